import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../../src/testing/index.js';

const fixture = fileURLToPath(new URL('./fixtures/breaker-peer.ts', import.meta.url));

interface Reply {
  id?: number;
  outcome?: 'ok' | 'failed' | 'refused';
  ran?: boolean;
  started?: boolean;
  state?: string;
  ready?: boolean;
}

/** One peer process, driven call by call. */
class Peer {
  private next = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  /** Ids of calls whose work started (ran through the breaker) in this process. */
  readonly started = new Set<number>();

  private constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const reply = JSON.parse(line) as Reply;
      if (reply.started && reply.id !== undefined) this.started.add(reply.id);
      else if (reply.id !== undefined) this.waiting.get(reply.id)?.(reply);
    });
  }

  static async start(env: Record<string, string>): Promise<Peer> {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`peer exited with ${code} before ready`)));
      child.stdout?.once('data', () => resolve());
    });
    return new Peer(child);
  }

  send(message: { ok?: boolean; holdMs?: number; command?: string }): Promise<Reply> {
    const id = this.next++;
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    this.child.stdin?.write(`${JSON.stringify({ id, ...message })}\n`);
    return reply;
  }

  call(ok: boolean, holdMs = 0): Promise<Reply> {
    return this.send({ ok, holdMs });
  }

  async state(): Promise<string | undefined> {
    return (await this.send({ command: 'state' })).state;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await gone;
  }
}

for (const dialect of testDialects) {
  describe(`a circuit breaker shared by two processes on ${dialect}`, () => {
    let database: TestDatabase;
    let peers: Peer[] = [];

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
    });
    afterEach(async () => {
      await Promise.all(peers.map((peer) => peer.kill()));
      peers = [];
      await database.drop();
    });

    const startPeers = async (env: Record<string, string> = {}) => {
      const common = {
        ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : { DATA_DIR: database.dataDir }),
        ...env,
      };
      // One at a time: the first runs the migration.
      const a = await Peer.start({ ...common, PEER: 'a' });
      const b = await Peer.start({ ...common, PEER: 'b' });
      peers = [a, b];
      return [a, b] as const;
    };

    it('opens on every instance, sends exactly one probe after the break, then closes everywhere', async () => {
      const [a, b] = await startPeers({ HALF_OPEN_AFTER_MS: '600' });
      // Closed: both call through.
      expect(await b.call(true)).toMatchObject({ outcome: 'ok', ran: true });
      // A's failures open the circuit: B refuses without calling.
      expect(await a.call(false)).toMatchObject({ outcome: 'failed', ran: true });
      expect(await a.call(false)).toMatchObject({ outcome: 'failed', ran: true, state: 'open' });
      // B reads the shared state at most syncIntervalMs (50 ms) after its last read: past that it refuses.
      await sleep(60);
      expect(await b.call(true)).toMatchObject({ outcome: 'refused', ran: false });
      expect(await a.call(true)).toMatchObject({ outcome: 'refused', ran: false });
      await eventually(async () => (await b.state()) === 'half-open', { timeoutMs: 5000 });
      // After the break, four calls on each instance at once, each probe held 300 ms: exactly one runs.
      const replies = await Promise.all(
        [a, b].flatMap((peer) => Array.from({ length: 4 }, () => peer.call(true, 300))),
      );
      const ran = replies.filter((reply) => reply.ran);
      expect(ran).toHaveLength(1);
      expect(ran[0]).toMatchObject({ outcome: 'ok' });
      expect(replies.filter((reply) => reply.outcome === 'refused')).toHaveLength(7);
      // The probe closed the circuit for both.
      await eventually(async () => (await a.state()) === 'closed' && (await b.state()) === 'closed', {
        timeoutMs: 5000,
      });
      expect(await a.call(true)).toMatchObject({ outcome: 'ok', ran: true });
      expect(await b.call(true)).toMatchObject({ outcome: 'ok', ran: true });
    });

    it('lets the configured number of probes through on one instance, and re-opens everywhere on a failed probe', async () => {
      const [a, b] = await startPeers({ HALF_OPEN_AFTER_MS: '500', PROBES: '2' });
      await b.call(false);
      await b.call(false);
      expect(await a.call(true)).toMatchObject({ outcome: 'refused' });
      await eventually(async () => (await a.state()) === 'half-open', { timeoutMs: 5000 });
      const replies = await Promise.all(
        [a, b].flatMap((peer) => Array.from({ length: 3 }, () => peer.call(false, 300))),
      );
      const probes = replies.filter((reply) => reply.ran);
      // Two probes at most, on one instance: the first failure re-opens the circuit.
      expect(probes.length).toBeGreaterThanOrEqual(1);
      expect(probes.length).toBeLessThanOrEqual(2);
      const probers = new Set([a, b].filter((peer) => peer.started.size > 0 && [...peer.started].some((id) => id > 2)));
      expect(probers.size).toBe(1);
      await eventually(async () => (await a.state()) === 'open' && (await b.state()) === 'open', { timeoutMs: 5000 });
      expect(await a.call(true)).toMatchObject({ outcome: 'refused', ran: false });
      expect(await b.call(true)).toMatchObject({ outcome: 'refused', ran: false });
    });

    it('hands the probe to the other instance when the prober dies holding its lease', async () => {
      const [a, b] = await startPeers({ HALF_OPEN_AFTER_MS: '300', LEASE_MS: '1500' });
      await a.call(false);
      await a.call(false);
      await eventually(async () => (await a.state()) === 'half-open', { timeoutMs: 5000 });
      // A probes with a call that hangs; it is killed before its verdict.
      const hanging = a.call(true, 60_000);
      await eventually(async () => a.started.size >= 3, { timeoutMs: 5000 });
      void hanging;
      await a.kill();
      const killedAt = Date.now();
      // Until the lease expires B refuses; then B probes and closes the circuit.
      expect(await b.call(true)).toMatchObject({ outcome: 'refused', ran: false });
      await eventually(
        async () => {
          const reply = await b.call(true);
          return reply.ran === true && reply.outcome === 'ok';
        },
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1000);
      expect(await b.state()).toBe('closed');
    });
  });
}
