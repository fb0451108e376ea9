/**
 * `keel/service`: one lifecycle for every component, with graceful, time-bounded shutdown.
 * @module
 */

export type { Component, ComponentContext, ServiceState, StopContext } from './component.js';
export { Service, type ServiceOptions, type StopResult } from './service.js';
