/**
 * The usual service wired from config in one call.
 * @module
 */
export { type App, type AppOptions, createApp } from './create-app.js';
