import { defineNotifications } from 'keel/notify';
import type { PlannerApp } from '../database.js';
import { plannerChannels } from './inbox-channel.js';
import { plannerNotificationTypes } from './types.js';

/**
 * keel/notify in the planner: its tables (after the users they reference, deleted with them), the
 * delivery job and the `/admin/notify` routes.
 */
export const notify = defineNotifications({
  name: 'notify',
  types: plannerNotificationTypes,
  channels: (_app: PlannerApp) => plannerChannels(),
  recipients: { table: 'users', column: 'id' },
  migrationPrefix: '2026_12_08_001',
});
