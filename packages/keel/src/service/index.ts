/**
 * `keel/service`: one lifecycle for every component, with graceful, time-bounded shutdown.
 * @module
 */
export { Service, type ServiceOptions, type StopResult } from './service.js';
export type { Component, ComponentContext, StopContext, ServiceState } from './component.js';
export { startOrder } from './start-order.js';
