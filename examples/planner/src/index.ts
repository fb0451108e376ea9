export { EXAMPLE_JWT_SECRET, loadPlannerConfig, type PlannerConfig, plannerConfigSchema } from './config.js';
export type { PlannerDatabase } from './database.js';
export { createPlanner, type Planner, type PlannerOptions } from './planner.js';
