import { ConfigError } from 'keel/errors';
import { loadPlannerConfig } from './config.js';
import { createPlanner } from './planner.js';

try {
  const planner = createPlanner(loadPlannerConfig());
  await planner.service.run();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
