import type { z } from 'zod';
import type { Call, Exchange } from './call.js';
import { HttpClientError } from './errors.js';
import { excerpt } from './read-body.js';
import type { HttpResponse } from './types.js';

function invalid(call: Call, exchange: Exchange, why: string, cause?: unknown): HttpClientError {
  return new HttpClientError(
    'external_service',
    why,
    {
      origin: call.origin.origin,
      method: call.method,
      path: call.errorPath,
      upstreamStatus: exchange.status,
      ...(exchange.body.length > 0 ? { bodyExcerpt: excerpt(exchange.body) } : {}),
      retried: call.attempts > 1,
      attempts: call.attempts,
    },
    cause === undefined ? undefined : { cause },
  );
}

function parse(exchange: Exchange, call: Call): unknown {
  if (exchange.body.length === 0) return undefined;
  try {
    return JSON.parse(exchange.body.toString('utf8'));
  } catch (error) {
    throw invalid(call, exchange, `answered ${exchange.status} with a body that is not JSON`, error);
  }
}

/** The body parsed as JSON and checked with `schema`: a mismatch is the origin's fault (502). */
export function parseJson<S extends z.ZodType>(exchange: Exchange, call: Call, schema: S): z.output<S> {
  const checked = schema.safeParse(parse(exchange, call));
  if (checked.success) return checked.data;
  const problems = checked.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw invalid(
    call,
    exchange,
    `answered ${exchange.status} with JSON that does not match its schema: ${problems}`,
    checked.error,
  );
}

/** A response whose body was read in full. */
export class JsonResponse implements HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly attempts: number;

  constructor(
    exchange: Exchange,
    private readonly call: Call,
  ) {
    this.status = exchange.status;
    this.headers = exchange.headers;
    this.body = exchange.body;
    this.attempts = call.attempts;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json(): unknown {
    return parse(this, this.call);
  }
}
