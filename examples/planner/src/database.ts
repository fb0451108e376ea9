import type { FeatureContext } from 'keel';
import type { AccountTables } from 'keel/accounts';
import type { PlannerConfig } from './config.js';
import type { EventTables } from './events/tables.js';
import type { NotificationTables } from './notifications/tables.js';

/** The planner's tables, each declared by the feature that owns it. */
export interface PlannerDatabase extends AccountTables, EventTables, NotificationTables {}

/** What every planner feature's setup is given. */
export type PlannerApp = FeatureContext<PlannerDatabase, PlannerConfig>;
