import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in does to one request instead of answering it normally. */
export type VkFault =
  | { kind: 'vk-error'; code: number; message?: string }
  | { kind: 'http-status'; status: number }
  | { kind: 'delay'; ms: number };

/** A request the stand-in received. */
export interface VkStandInRequest {
  at: number;
  method: string;
  ownerId: number;
  postId: number;
  offset: number;
  /** How many times this page (post and offset) was asked, this one included. */
  attempt: number;
  /** What was answered: `ok`, `vk-error:<code>` or `http:<status>`. */
  outcome: string;
}

/** Options of {@link startVkStandIn}. */
export interface VkStandInOptions {
  /** Posts served, as `"<ownerId>_<postId>"` → number of comments. Default: `{ '-1_1': 10000 }`. */
  posts?: Record<string, number>;
  /** Posts that answer a VK error code whatever the page: `"<ownerId>_<postId>"` → code (15, 18, 30...). */
  refusedPosts?: Record<string, number>;
  /** The token expected; another answers error 5. Default: any token, none refused. */
  token?: string;
  /** A fault for one request, or `undefined` to answer normally. Default: none. */
  fault?: (request: { ownerId: number; postId: number; offset: number; attempt: number }) => VkFault | undefined;
  /** Delay before every answer (a slow VK). Default: 0. */
  delayMs?: number;
  /** Port to listen on. Default: a free one. */
  port?: number;
}

/** A running stand-in. */
export interface VkStandIn {
  /** Base URL of the methods, for `VK_API_URL`. */
  apiUrl: string;
  /** Every request to `wall.getComments`, in arrival order. */
  requests: VkStandInRequest[];
  /** The most requests that arrived in any window of `windowMs`. */
  maxInWindow(windowMs?: number): number;
  /** The comments of a post, as served. */
  comment(ownerId: number, postId: number, index: number): GeneratedComment;
  close(): Promise<void>;
}

/** A generated comment, in VK's wire shape. */
export interface GeneratedComment {
  id: number;
  from_id: number;
  date: number;
  text: string;
  likes: { count: number };
}

const WORDS_RU = [
  'отличный',
  'пост',
  'спасибо',
  'автору',
  'ужасно',
  'скучно',
  'интересно',
  'согласен',
  'плохо',
  'хорошо',
  'новости',
  'город',
  'люблю',
  'проблема',
  'дороги',
];
const WORDS_EN = [
  'great',
  'post',
  'thanks',
  'awful',
  'boring',
  'interesting',
  'agree',
  'bad',
  'good',
  'news',
  'city',
  'love',
  'problem',
  'roads',
];
const GLUE_RU = ['и', 'но', 'это', 'очень', 'не', 'в', 'на'];
const GLUE_EN = ['and', 'but', 'this', 'is', 'very', 'the', 'a'];
const START_DATE = Date.UTC(2026, 0, 1) / 1000;

/** The deterministic comment `index` (0-based) of a post: ids, authors, dates, text and likes. */
export function generatedComment(ownerId: number, postId: number, index: number): GeneratedComment {
  const seed = mix(ownerId * 7919 + postId * 104_729 + index);
  const russian = seed % 3 !== 0;
  const words = russian ? WORDS_RU : WORDS_EN;
  const glue = russian ? GLUE_RU : GLUE_EN;
  const length = 4 + (seed % 9);
  const parts: string[] = [];
  for (let i = 0; i < length; i++) {
    const pick = mix(seed + i * 31);
    parts.push(i % 2 === 1 ? (glue[pick % glue.length] as string) : (words[pick % words.length] as string));
  }
  return {
    id: index + 1,
    from_id: 1000 + (mix(seed + 1) % 500),
    // Ten minutes apart: 10,000 comments span about 70 days.
    date: START_DATE + index * 600,
    text: `${parts.join(' ')}${seed % 4 === 0 ? '!' : '.'}`,
    likes: { count: mix(seed + 2) % 50 },
  };
}

function mix(value: number): number {
  let x = value | 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Starts a loopback stand-in for the VK API's `wall.getComments`, speaking VK's wire format:
 * `{response: {count, items}}` or `{error: {error_code, error_msg, request_params}}`, both with
 * HTTP 200, plus injectable faults (VK errors, HTTP statuses, delays). A fixture for tests and the demo.
 */
export async function startVkStandIn(options: VkStandInOptions = {}): Promise<VkStandIn> {
  const posts = options.posts ?? { '-1_1': 10_000 };
  const requests: VkStandInRequest[] = [];
  const attempts = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const method = url.pathname.replace(/^\/method\//, '');
    const param = (name: string) => url.searchParams.get(name) ?? '';
    const ownerId = Number(param('owner_id'));
    const postId = Number(param('post_id'));
    const offset = Number(param('offset') || '0');
    const count = Number(param('count') || '10');
    const key = `${ownerId}_${postId}`;
    const pageKey = `${key}@${offset}`;
    const attempt = (attempts.get(pageKey) ?? 0) + 1;
    attempts.set(pageKey, attempt);
    const record: VkStandInRequest = { at: Date.now(), method, ownerId, postId, offset, attempt, outcome: 'ok' };
    if (method === 'wall.getComments') requests.push(record);
    const params = [...url.searchParams.entries()]
      .filter(([name]) => name !== 'access_token')
      .map(([name, value]) => ({ key: name, value }));
    const vkError = (code: number, message: string) => {
      record.outcome = `vk-error:${code}`;
      send(response, 200, { error: { error_code: code, error_msg: message, request_params: params } });
    };

    if (options.delayMs) await delay(options.delayMs);
    if (method !== 'wall.getComments') return vkError(3, 'Unknown method passed');
    if (!param('v')) return vkError(8, 'Invalid request: v is required');
    if (options.token !== undefined && param('access_token') !== options.token)
      return vkError(5, 'User authorization failed: invalid access_token (4).');
    if (!Number.isInteger(ownerId) || !Number.isInteger(postId) || !url.searchParams.has('post_id'))
      return vkError(100, 'One of the parameters specified was missing or invalid: post_id is undefined');
    if (!Number.isInteger(count) || count < 0 || count > 100 || !Number.isInteger(offset) || offset < 0)
      return vkError(100, 'One of the parameters specified was missing or invalid: count or offset');
    const fault = options.fault?.({ ownerId, postId, offset, attempt });
    if (fault?.kind === 'delay') await delay(fault.ms);
    if (fault?.kind === 'vk-error') return vkError(fault.code, fault.message ?? defaultMessage(fault.code));
    if (fault?.kind === 'http-status') {
      record.outcome = `http:${fault.status}`;
      response.writeHead(fault.status, { 'content-type': 'text/html' });
      response.end(`<html><body>${fault.status}</body></html>`);
      return;
    }
    const refused = options.refusedPosts?.[key];
    if (refused !== undefined) return vkError(refused, defaultMessage(refused));
    const total = posts[key];
    if (total === undefined)
      return vkError(100, 'One of the parameters specified was missing or invalid: post not found');
    const items: GeneratedComment[] = [];
    for (let i = offset; i < Math.min(total, offset + count); i++) items.push(generatedComment(ownerId, postId, i));
    send(response, 200, { response: { count: total, current_level_count: total, can_post: 1, items } });
  }

  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/method`,
    requests,
    maxInWindow(windowMs = 1000) {
      let most = 0;
      let start = 0;
      for (let end = 0; end < requests.length; end++) {
        while ((requests[end] as VkStandInRequest).at - (requests[start] as VkStandInRequest).at >= windowMs) start++;
        most = Math.max(most, end - start + 1);
      }
      return most;
    },
    comment: generatedComment,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function defaultMessage(code: number): string {
  const messages: Record<number, string> = {
    5: 'User authorization failed: invalid access_token (4).',
    6: 'Too many requests per second',
    10: 'Internal server error',
    15: 'Access denied',
    18: 'User was deleted or banned',
    30: 'This profile is private',
  };
  return messages[code] ?? 'Unknown error occurred';
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
