import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlannerHarness, startPlanner } from './harness.js';

const DAY = 86_400_000;

/** Polls the jobs admin API until the job has finished; returns its view. */
async function finishedJob(h: PlannerHarness, token: string, jobId: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await h.call('GET', `/admin/jobs/${jobId}`, { token });
    expect(job.status).toBe(200);
    if (['completed', 'failed', 'cancelled'].includes(job.body.state)) return job.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.body.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The hour and minute of `iso` on the wall clock of `timeZone`, e.g. `03:00`. */
function wallClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );
}

for (const dialect of testDialects) {
  describe(`planner maintenance schedules on ${dialect}`, () => {
    let database: TestDatabase;
    let h: PlannerHarness;
    let admin: { id: string; token: string };
    let member: { id: string; token: string };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startPlanner(database, {
        ADMIN_EMAILS: 'ops@example.com',
        TZ: 'Europe/Berlin',
        NOTIFICATION_RETENTION_DAYS: '30',
        // Two backups on one day: only the newer survives pruning.
        BACKUP_KEEP_LAST: '1',
        BACKUP_KEEP_DAILY: '1',
        BACKUP_KEEP_WEEKLY: '1',
        BACKUP_KEEP_MONTHLY: '1',
      });
      admin = await h.user('Ops', 'ops@example.com');
      member = await h.user('Member');
    });
    afterAll(async () => {
      await h?.stop();
      await database?.drop();
    });

    it('declares the nightly backup at 03:00 and the cleanup at 04:00 in TZ, to admins only', async () => {
      const anonymous = await h.call('GET', '/admin/scheduler_status');
      expect(anonymous.status).toBe(401);
      const notAdmin = await h.call('GET', '/admin/scheduler_status', { token: member.token });
      expect(notAdmin.status).toBe(403);
      expect(String(notAdmin.headers['content-type'])).toContain('application/problem+json');

      const status = await h.call('GET', '/admin/scheduler_status', { token: admin.token });
      expect(status.status).toBe(200);
      const byName = new Map(status.body.schedules.map((s: { name: string }) => [s.name, s]));
      expect([...byName.keys()].sort()).toEqual(['cleanup-read-notifications', 'nightly-backup']);
      const backup: any = byName.get('nightly-backup');
      expect(backup).toMatchObject({ cron: '0 3 * * *', timezone: 'Europe/Berlin', paused: false });
      expect(wallClock(backup.nextRunAt, 'Europe/Berlin')).toBe('03:00');
      expect(Date.parse(backup.nextRunAt)).toBeGreaterThan(Date.now());
      expect(Date.parse(backup.nextRunAt)).toBeLessThanOrEqual(Date.now() + DAY + 3_600_000);
      const cleanup: any = byName.get('cleanup-read-notifications');
      expect(cleanup).toMatchObject({ cron: '0 4 * * *', timezone: 'Europe/Berlin', paused: false });
      expect(wallClock(cleanup.nextRunAt, 'Europe/Berlin')).toBe('04:00');
    });

    it('refuses triggers without an admin token and answers 404 for an unknown schedule', async () => {
      expect((await h.call('POST', '/admin/schedules/nightly-backup/trigger')).status).toBe(401);
      expect((await h.call('POST', '/admin/schedules/nightly-backup/trigger', { token: member.token })).status).toBe(
        403,
      );
      expect((await h.call('GET', '/admin/backups', { token: member.token })).status).toBe(403);
      const unknown = await h.call('POST', '/admin/schedules/no-such-schedule/trigger', { token: admin.token });
      expect(unknown.status).toBe(404);
    });

    it('runs a real backup and prune through the job queue when nightly-backup is triggered', async () => {
      await h.call('POST', '/api/v1/events', {
        token: member.token,
        body: { title: 'Backed up', startsAt: '2031-03-01T10:00:00.000Z', endsAt: '2031-03-01T11:00:00.000Z' },
      });
      const first = await h.call('POST', '/admin/schedules/nightly-backup/trigger', { token: admin.token });
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ schedule: 'nightly-backup', jobId: expect.any(String) });
      const firstJob = await finishedJob(h, admin.token, first.body.jobId);
      expect(firstJob).toMatchObject({ type: 'planner.backup', queue: 'maintenance', state: 'completed' });
      expect(firstJob.result).toEqual({ file: expect.any(String), bytes: expect.any(Number), pruned: [] });
      expect(firstJob.result.bytes).toBeGreaterThan(0);

      const listed = await h.call('GET', '/admin/backups', { token: admin.token });
      expect(listed.status).toBe(200);
      expect(listed.body.backups).toHaveLength(1);
      expect(listed.body.backups[0]).toMatchObject({
        file: firstJob.result.file,
        dialect,
        size: firstJob.result.bytes,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const backupDir = join(database.dataDir, 'backups');
      expect(existsSync(join(backupDir, firstJob.result.file))).toBe(true);
      await expect(h.planner.backups.verify(firstJob.result.file)).resolves.toMatchObject({
        file: firstJob.result.file,
      });

      const second = await h.call('POST', '/admin/schedules/nightly-backup/trigger', { token: admin.token });
      const secondJob = await finishedJob(h, admin.token, second.body.jobId);
      expect(secondJob.state).toBe('completed');
      expect(secondJob.result.file).not.toBe(firstJob.result.file);
      expect(secondJob.result.pruned).toEqual([firstJob.result.file]);
      const after = await h.call('GET', '/admin/backups', { token: admin.token });
      expect(after.body.backups.map((b: { file: string }) => b.file)).toEqual([secondJob.result.file]);
      expect(existsSync(join(backupDir, firstJob.result.file))).toBe(false);
      expect(existsSync(join(backupDir, secondJob.result.file))).toBe(true);

      const status = await h.call('GET', '/admin/scheduler_status', { token: admin.token });
      const schedule = status.body.schedules.find((s: { name: string }) => s.name === 'nightly-backup');
      expect(schedule.runCount).toBeGreaterThanOrEqual(2);
      expect(schedule.lastRun).toMatchObject({ status: 'completed' });
    });

    it('the cleanup deletes only read notifications older than the retention', async () => {
      const owner = await h.user('Inbox');
      const now = Date.now();
      const at = (daysAgo: number): string => new Date(now - daysAgo * DAY).toISOString();
      const row = (key: string, createdDaysAgo: number, readDaysAgo: number | null) => ({
        id: `${key}-${owner.id}`,
        user_id: owner.id,
        type: 'event_updated' as const,
        event_id: null,
        message: key,
        source_key: `${key}-test`,
        created_at: at(createdDaysAgo),
        read_at: readDaysAgo === null ? null : at(readDaysAgo),
      });
      await h.planner.store.db
        .insertInto('notifications')
        .values([
          row('read-old', 45, 40),
          row('read-old-2', 31, 2),
          row('unread-old', 90, null),
          row('read-recent', 29, 1),
          row('unread-recent', 1, null),
        ])
        .execute();

      const triggered = await h.call('POST', '/admin/schedules/cleanup-read-notifications/trigger', {
        token: admin.token,
      });
      expect(triggered.status).toBe(202);
      const job = await finishedJob(h, admin.token, triggered.body.jobId);
      expect(job).toMatchObject({ type: 'planner.cleanup-notifications', state: 'completed' });
      expect(job.result).toEqual({ deleted: 2 });

      const left = await h.planner.store.db
        .selectFrom('notifications')
        .select('message')
        .where('user_id', '=', owner.id)
        .orderBy('message')
        .execute();
      expect(left.map((r) => r.message)).toEqual(['read-recent', 'unread-old', 'unread-recent']);
    });
  });
}
