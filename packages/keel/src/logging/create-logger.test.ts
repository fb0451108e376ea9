import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.js';
import { CENSOR, CIRCULAR, createRedactor, TOO_DEEP } from './redact.js';

function capture(): { stream: Writable; raw: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    raw: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with level, name and message', () => {
    const out = capture();
    const logger = createLogger({ name: 'planner', level: 'debug', destination: out.stream });
    logger.debug({ answer: 42 }, 'hello');
    logger.trace('hidden');
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: 20, name: 'planner', msg: 'hello', answer: 42 });
  });

  it('redacts credentials at the top level and nested', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, redact: ['apiKey'] });
    logger.info(
      {
        password: 'p1',
        token: 't1',
        apiKey: 'k1',
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'set-cookie': 'sid=2', accept: 'json' } },
        user: { profile: { credentials: { password: 'p2', refreshToken: 'r', accessToken: 'a' } } },
        list: [{ token: 't2' }],
      },
      'login',
    );
    const child = logger.child({ requestId: 'r-1' });
    child.info({ body: { password: 'p3' } }, 'child line');
    const text = JSON.stringify(out.lines());
    for (const secret of ['p1', 't1', 'k1', 'Bearer abc', 'sid=1', 'sid=2', 'p2', '"r"', '"a"', 't2', 'p3']) {
      expect(text).not.toContain(secret);
    }
    const [first, second] = out.lines();
    expect(first).toMatchObject({ password: '[redacted]', req: { headers: { accept: 'json' } } });
    expect(second).toMatchObject({ requestId: 'r-1', body: { password: '[redacted]' } });
  });

  it('serialises errors with their stack', () => {
    const out = capture();
    createLogger({ destination: out.stream }).error({ err: new Error('boom') }, 'failed');
    const err = out.lines()[0]?.err as { type: string; message: string; stack: string };
    expect(err).toMatchObject({ type: 'Error', message: 'boom' });
    expect(err.stack).toContain('create-logger.test.ts');
  });

  it('writes pretty lines when asked, still redacted', () => {
    const out = capture();
    createLogger({ pretty: true, destination: out.stream, name: 'planner' }).info({ password: 'p9' }, 'pretty hello');
    const text = out.raw();
    expect(text).toContain('pretty hello');
    expect(text).toContain('INFO');
    expect(text).not.toContain('p9');
    expect(() => JSON.parse(text)).toThrow();
  });

  it("redacts at any depth and in any letter case, without touching the caller's object", () => {
    const out = capture();
    const deep = {
      a: { b: { c: { d: { e: { f: { Authorization: 'Bearer deep', apiToken: 'x1', clientSecret: 'x2' } } } } } },
    };
    const before = JSON.stringify(deep);
    createLogger({ destination: out.stream }).info(deep, 'deep');
    const text = out.raw();
    for (const secret of ['Bearer deep', 'x1', 'x2']) expect(text).not.toContain(secret);
    expect(JSON.stringify(deep)).toBe(before);
  });

  it('returns flat objects without secrets unchanged, and copies only what it censors', () => {
    const redact = createRedactor();
    const flat = { method: 'GET', url: '/x', statusCode: 200 };
    expect(redact(flat)).toBe(flat);
    const mixed = { keep: { n: 1 }, nested: { password: 'p' } };
    const out = redact(mixed);
    expect(out.keep).toBe(mixed.keep);
    expect(out.nested).toEqual({ password: CENSOR });
    expect(mixed.nested.password).toBe('p');
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(() => redact(cyclic)).not.toThrow();
  });

  it('redacts deeper than any depth limit of the walk, cutting only past 64 levels', () => {
    const redact = createRedactor();
    const nest = (levels: number, leaf: unknown): unknown => {
      let value = leaf;
      for (let i = 0; i < levels; i += 1) value = { n: value };
      return value;
    };
    const leafAt = (value: unknown, levels: number): unknown => {
      let current = value;
      for (let i = 0; i < levels; i += 1) current = (current as { n: unknown }).n;
      return current;
    };
    expect(leafAt(redact(nest(40, { password: 'deep' })), 40)).toEqual({ password: CENSOR });
    // Past the limit the rest is cut: never handed on unchecked.
    const tooDeep = redact(nest(70, { password: 'deeper' }));
    expect(JSON.stringify(tooDeep)).not.toContain('deeper');
    expect(leafAt(tooDeep, 64)).toBe(TOO_DEEP);
    // A logger line, end to end.
    const out = capture();
    createLogger({ destination: out.stream }).info(nest(15, { token: 'at-15' }) as object, 'deep line');
    expect(out.raw()).not.toContain('at-15');
    expect(out.raw()).toContain(CENSOR);
  });

  it('cuts a cycle instead of handing the original on', () => {
    const redact = createRedactor();
    const cyclic: Record<string, unknown> = { password: 'p', list: [] };
    cyclic.self = cyclic;
    (cyclic.list as unknown[]).push(cyclic);
    const out = redact(cyclic);
    expect(out).toEqual({ password: CENSOR, list: [CIRCULAR], self: CIRCULAR });
    expect(cyclic.password).toBe('p');
    // The same object twice, side by side, is no cycle.
    const shared = { secret: 's' };
    expect(redact({ a: shared, b: shared })).toEqual({ a: { secret: CENSOR }, b: { secret: CENSOR } });
  });

  it('redacts header and field name variants: any case, dashes, underscores, plurals', () => {
    const out = capture();
    createLogger({ destination: out.stream }).info(
      {
        headers: {
          'Proxy-Authorization': 'Basic v1',
          'x-api-key': 'v2',
          Cookie: 'v3',
          'Set-Cookie': ['v4'],
          'x-csrf-token': 'v5',
        },
        client_secret: 'v6',
        db_password: 'v7',
        tokens: ['v8'],
        privateKey: 'v9',
        tokenCount: 12,
        secretName: 'visible',
      },
      'variants',
    );
    const [line] = out.lines();
    for (const secret of ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']) {
      expect(out.raw()).not.toContain(`"${secret}`);
      expect(out.raw()).not.toContain(` ${secret}`);
    }
    expect(line).toMatchObject({ tokenCount: 12, secretName: 'visible' });
  });

  it("redacts a logged error's own fields and a child's bindings", () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });
    const error = Object.assign(new Error('request failed'), {
      config: { headers: { Authorization: 'Bearer from-error' } },
      status: 401,
    });
    const cause = Object.assign(new Error('outer'), { cause: error, password: 'outer-p' });
    logger.error({ err: cause }, 'failed');
    logger.error({ error }, 'failed again');
    logger.child({ token: 'child-t', requestId: 'r-2' }).child({ password: 'grandchild-p' }).info('child');
    const text = out.raw();
    for (const secret of ['from-error', 'outer-p', 'child-t', 'grandchild-p']) expect(text).not.toContain(secret);
    const [first, second, third] = out.lines();
    expect(first).toMatchObject({ err: { type: 'Error', password: CENSOR } });
    expect(second).toMatchObject({ error: { message: 'request failed', status: 401, config: { headers: {} } } });
    expect(third).toMatchObject({ requestId: 'r-2', token: CENSOR, password: CENSOR });
    expect(error.config.headers.Authorization).toBe('Bearer from-error');
  });
});
