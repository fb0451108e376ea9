import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, type KeelError, UnavailableError, UsageError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { type Component, type ComponentContext, Service, type StopContext } from './index.js';
import { startOrder } from './start-order.js';

const logger = createLogger({ level: 'silent' });

interface Probe extends Component {
  context?: ComponentContext;
}

function probe(
  name: string,
  events: string[],
  options: {
    dependsOn?: string[];
    startFails?: boolean;
    startMs?: number;
    stop?: (ctx: StopContext) => Promise<void>;
  } = {},
): Probe {
  const component: Probe = {
    name,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    async start(context) {
      component.context = context;
      events.push(`start ${name}`);
      if (options.startMs) await sleep(options.startMs);
      if (options.startFails) throw new Error(`${name} cannot start`);
    },
    async stop(ctx) {
      events.push(`stop ${name}`);
      await options.stop?.(ctx);
    },
    beginShutdown() {
      events.push(`begin ${name}`);
    },
  };
  return component;
}

describe('startOrder', () => {
  const c = (name: string, dependsOn: string[] = []): Component => ({
    name,
    dependsOn,
    start: async () => {},
    stop: async () => {},
  });

  it('puts dependencies first and keeps the given order otherwise', () => {
    const order = startOrder([c('http', ['store', 'jobs']), c('jobs', ['store']), c('store'), c('mail')]);
    expect(order.map((x) => x.name)).toEqual(['store', 'jobs', 'http', 'mail']);
  });

  it('starts ingress components after every other one without being told, and stops them first', () => {
    const http: Component = { ...c('http'), ingress: true };
    const order = startOrder([http, c('jobs', ['store']), c('store'), c('cache')]);
    expect(order.map((x) => x.name)).toEqual(['store', 'jobs', 'cache', 'http']);
    expect(() => startOrder([http, c('jobs', ['http'])])).toThrow(/takes outside traffic and starts last/);
  });

  it('rejects cycles and unknown dependencies with a typed error', () => {
    const cycle = (): Component[] => startOrder([c('a', ['b']), c('b', ['c']), c('c', ['a'])]);
    expect(cycle).toThrow(ConfigError);
    expect(cycle).toThrow('a -> b -> c -> a');
    try {
      startOrder([c('http', ['store'])]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as KeelError).code).toBe('config');
      expect((error as KeelError).message).toContain('"store"');
    }
  });
});

describe('Service', () => {
  it('starts in dependency order, stops in reverse after telling everyone first', async () => {
    const events: string[] = [];
    const service = new Service({ name: 'test', logger });
    const http = probe('http', events, { dependsOn: ['store'] });
    service
      .add(http)
      .add(probe('store', events))
      .add(probe('jobs', events, { dependsOn: ['store'] }));
    expect(service.state).toBe('idle');
    await service.start();
    expect(service.state).toBe('running');
    expect(http.context?.state()).toBe('running');
    const result = await service.stop();
    expect(result).toEqual({ clean: true, abandoned: [], exitCode: 0 });
    expect(service.state).toBe('stopped');
    expect(events).toEqual([
      'start store',
      'start http',
      'start jobs',
      'begin store',
      'begin http',
      'begin jobs',
      'stop jobs',
      'stop http',
      'stop store',
    ]);
    expect(await service.stop()).toBe(result);
  });

  it('refuses duplicate names, late components and a second start as misuse (500)', async () => {
    const service = new Service({ name: 'test', logger });
    service.add(probe('a', []));
    expect(() => service.add(probe('a', []))).toThrow(UsageError);
    expect(() => service.add({ name: 'half' } as unknown as Component)).toThrow(/needs start\(\) and stop\(\)/);
    await service.start();
    expect(() => service.add(probe('b', []))).toThrow(UsageError);
    await expect(service.start()).rejects.toThrow(UsageError);
    expect(new UsageError('x').status).toBe(500);
    await service.stop();
  });

  it('leaves the service idle when the dependencies form a cycle', async () => {
    const service = new Service({ name: 'test', logger });
    service.add(probe('a', [], { dependsOn: ['b'] })).add(probe('b', [], { dependsOn: ['a'] }));
    await expect(service.start()).rejects.toMatchObject({ code: 'config' });
    expect(service.state).toBe('idle');
  });

  it('stops what already started when a component fails to start, and rethrows', async () => {
    const events: string[] = [];
    const service = new Service({ name: 'test', logger });
    service
      .add(probe('store', events))
      .add(probe('http', events, { dependsOn: ['store'], startFails: true }))
      .add(probe('jobs', events, { dependsOn: ['http'] }));
    await expect(service.start()).rejects.toThrow('http cannot start');
    expect(events).toEqual(['start store', 'start http', 'begin store', 'stop store']);
    expect(service.state).toBe('stopped');
  });

  it('stops between components when stop is called during start', async () => {
    const events: string[] = [];
    const service = new Service({ name: 'test', logger });
    service.add(probe('store', events, { startMs: 100 })).add(probe('http', events, { dependsOn: ['store'] }));
    const starting = service.start();
    await sleep(20);
    const result = await service.stop('signal');
    await expect(starting).rejects.toBeInstanceOf(UnavailableError);
    expect(result.clean).toBe(true);
    expect(events).toEqual(['start store', 'begin store', 'stop store']);
  });

  it('abandons a component that outlives the grace period, and exits 1', async () => {
    const events: string[] = [];
    let sawAbort = false;
    const service = new Service({ name: 'test', logger, shutdownGraceMs: 100 });
    service.add(probe('store', events));
    service.add(
      probe('worker', events, {
        dependsOn: ['store'],
        stop: async (ctx) => {
          expect(ctx.deadline).toBeGreaterThan(Date.now());
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            ctx.reportAbandoned('job 42');
          });
          await sleep(60_000, undefined, { ref: false });
        },
      }),
    );
    await service.start();
    const started = Date.now();
    const result = await service.stop();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(sawAbort).toBe(true);
    expect(result.clean).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.abandoned).toEqual(['worker: job 42', 'worker: did not stop in time']);
    expect(events.at(-1)).toBe('stop store');
  });

  it('records a failing stop and keeps stopping the rest', async () => {
    const events: string[] = [];
    const service = new Service({ name: 'test', logger });
    service.add(probe('store', events)).add(
      probe('http', events, {
        dependsOn: ['store'],
        stop: async () => {
          throw new Error('close failed');
        },
      }),
    );
    await service.start();
    const result = await service.stop();
    expect(result).toEqual({ clean: false, abandoned: ['http: stop failed (close failed)'], exitCode: 1 });
    expect(events.at(-1)).toBe('stop store');
  });
});
