import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson } from './listen.js';

/** A fault the stand-in answers for one chat instead of sending. */
export type BotFault =
  | { kind: 'too-many-requests'; retryAfterSeconds: number }
  | { kind: 'blocked' }
  | { kind: 'bad-request'; description?: string };

/** A call the stand-in received. */
export interface BotCall {
  at: number;
  method: string;
  chatId: string;
  text: string | null;
  caption: string | null;
  photo: string | null;
  /** The HTTP status answered (200, 400, 403, 429, 401, 404). */
  status: number;
}

/** Options of {@link startBotApiStandIn}. */
export interface BotApiStandInOptions {
  /** The token expected in `/bot<token>/`; another answers 401. Default: any well-formed token. */
  token?: string;
  /** Port. Default: a free one. */
  port?: number;
  /** Time every answer takes. Default: 0. */
  delayMs?: number;
  /** Called with a line per message (the demo prints them). Default: none. */
  log?: (line: string) => void;
}

/** A running Bot API stand-in. */
export interface BotApiStandIn {
  /** Its base URL, for `TELEGRAM_API_URL`. */
  url: string;
  /** Every `sendMessage` and `sendPhoto`, in arrival order. */
  calls: BotCall[];
  /** Calls answered 200 (messages sent). */
  sent(): BotCall[];
  /** Answers the next `times` calls to a chat with a fault (Infinity: until cleared). */
  fail(chatId: string, fault: BotFault, times?: number): void;
  setDelayMs(delayMs: number): void;
  close(): Promise<void>;
}

interface Pending {
  fault: BotFault;
  left: number;
}

/** Reads the fields of a JSON, form or multipart body (the Bot API takes all three). */
function fieldsOf(contentType: string, body: Buffer): Record<string, string> {
  if (contentType.includes('application/json')) {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  const fields: Record<string, string> = {};
  if (!boundary) return fields;
  for (const part of body.toString('latin1').split(`--${boundary}`)) {
    const match = /name="([^"]+)"(?:; filename="([^"]*)")?[\s\S]*?\r\n\r\n([\s\S]*)\r\n$/.exec(part);
    if (!match) continue;
    fields[match[1]!] =
      match[2] !== undefined ? `upload:${match[2]}` : Buffer.from(match[3]!, 'latin1').toString('utf8');
  }
  return fields;
}

/**
 * A loopback stand-in for the Telegram Bot API: `POST /bot<token>/sendMessage` and `/sendPhoto`
 * (JSON, form or multipart), answering `{ ok: true, result: Message }`, or the Bot API's errors for
 * a chat told to fail: 429 with `parameters.retry_after`, 403 "bot was blocked by the user", 400.
 */
export async function startBotApiStandIn(options: BotApiStandInOptions = {}): Promise<BotApiStandIn> {
  const calls: BotCall[] = [];
  const faults = new Map<string, Pending>();
  let delayMs = options.delayMs ?? 0;
  let messageId = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/bot(\d+:[A-Za-z0-9_-]+)\/([A-Za-z]+)$/.exec(new URL(request.url ?? '/', 'http://x').pathname);
    if (!match) return sendJson(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    const body = await readBody(request);
    if (options.token !== undefined && token !== options.token) {
      return sendJson(response, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    }
    if (method !== 'sendMessage' && method !== 'sendPhoto') {
      return sendJson(response, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
    const fields = fieldsOf(String(request.headers['content-type'] ?? ''), body);
    const call: BotCall = {
      at: Date.now(),
      method,
      chatId: fields.chat_id ?? '',
      text: fields.text ?? null,
      caption: fields.caption ?? null,
      photo: fields.photo ?? null,
      status: 200,
    };
    calls.push(call);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (!call.chatId) {
      call.status = 400;
      return sendJson(response, 400, { ok: false, error_code: 400, description: 'Bad Request: chat_id is empty' });
    }
    const pending = faults.get(call.chatId);
    if (pending && pending.left > 0) {
      pending.left -= 1;
      const fault = pending.fault;
      if (fault.kind === 'too-many-requests') {
        call.status = 429;
        return sendJson(response, 429, {
          ok: false,
          error_code: 429,
          description: `Too Many Requests: retry after ${fault.retryAfterSeconds}`,
          parameters: { retry_after: fault.retryAfterSeconds },
        });
      }
      if (fault.kind === 'blocked') {
        call.status = 403;
        return sendJson(response, 403, {
          ok: false,
          error_code: 403,
          description: 'Forbidden: bot was blocked by the user',
        });
      }
      call.status = 400;
      return sendJson(response, 400, {
        ok: false,
        error_code: 400,
        description: fault.description ?? 'Bad Request: wrong file identifier/HTTP URL specified',
      });
    }
    messageId += 1;
    options.log?.(
      `telegram: ${method} to chat ${call.chatId}: ${(call.caption ?? call.text ?? '').replace(/<[^>]+>/g, '').replace(/\n/g, ' | ')}${call.photo ? ` [photo ${call.photo}]` : ''}`,
    );
    const chat = { id: Number(call.chatId), type: 'private', first_name: 'Stand-in' };
    const result =
      method === 'sendPhoto'
        ? {
            message_id: messageId,
            date: Math.floor(Date.now() / 1000),
            chat,
            photo: [{ file_id: `photo-${messageId}`, file_unique_id: `u${messageId}`, width: 320, height: 480 }],
            ...(call.caption === null ? {} : { caption: call.caption }),
          }
        : { message_id: messageId, date: Math.floor(Date.now() / 1000), chat, text: call.text ?? '' };
    sendJson(response, 200, { ok: true, result });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent)
        sendJson(response, 400, { ok: false, error_code: 400, description: 'Bad Request: bad body' });
      else response.destroy();
    });
  });
  const url = await listen(server, options.port);
  return {
    url,
    calls,
    sent: () => calls.filter((call) => call.status === 200),
    fail(chatId, fault, times = 1) {
      faults.set(chatId, { fault, left: times });
    },
    setDelayMs(next) {
      delayMs = next;
    },
    close: () => closeServer(server),
  };
}
