export { createPlanner, type Planner, type PlannerOptions } from './planner.js';
export { loadPlannerConfig, plannerConfigSchema, type PlannerConfig, EXAMPLE_JWT_SECRET } from './config.js';
