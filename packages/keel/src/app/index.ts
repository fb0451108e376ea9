/**
 * The usual service wired from config in one call.
 * @module
 */
export { createApp, type App, type AppOptions } from './create-app.js';
