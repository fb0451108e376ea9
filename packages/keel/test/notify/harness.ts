import type { StoreDialect } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../../src/testing/index.js';
import { type HarnessOptions, type TestDb, type TestNotifier, testFeatures } from './fixtures/features.js';

export { type HarnessOptions, type TestDb, type TestNotifier, types } from './fixtures/features.js';

/** A service with users, orders and notifications on every channel, on a fresh test database. */
export async function startHarness(
  options: HarnessOptions & { dialect: StoreDialect },
): Promise<{ t: TestApp<TestDb>; notifier: TestNotifier }> {
  const { users, notifications } = testFeatures(options);
  const t = await createTestApp<TestDb>({
    dialect: options.dialect,
    features: [users, notifications],
    ...(options.env ? { env: options.env } : {}),
  });
  return { t, notifier: t.app.use(notifications) };
}
