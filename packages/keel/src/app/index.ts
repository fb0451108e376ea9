/**
 * The assembly: a service is its features, and Keel wires them.
 * @module
 */
export { type AppConfig, appConfigSchema } from './app-config.js';
export { type App, type AppOptions, createApp } from './create-app.js';
export { defineFeature, type Feature, type FeatureContext, type FeatureParts } from './feature.js';
