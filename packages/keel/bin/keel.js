#!/usr/bin/env node
// A committed launcher, so npm links the `keel` command at install time, before `dist/` is built.
import '../dist/cli/keel.js';
