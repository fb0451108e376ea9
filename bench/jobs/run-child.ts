import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunReply, RunRequest } from './runner.js';

const runnerPath = fileURLToPath(new URL('./runner.ts', import.meta.url));
const RUN_TIMEOUT_MS = 300_000;

/** Runs one request in a fresh runner process and resolves with its reply. */
export function runChild(request: RunRequest): Promise<RunReply> {
  return new Promise((resolve) => {
    const child = fork(runnerPath, [JSON.stringify(request)], { execArgv: ['--import', 'tsx'] });
    let reply: RunReply | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('message', (message: RunReply) => {
      reply = message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(
        reply ?? { ok: false, settings: '', error: `runner exited (code ${code}, signal ${signal})`, maxRssMb: 0 },
      );
    });
  });
}
