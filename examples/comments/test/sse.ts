import { request } from 'undici';

/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: any;
}

/** Reads an SSE stream over a real connection until the server closes it; returns every event. */
export async function readEvents(url: string, token: string, timeoutMs = 60_000): Promise<SseEvent[]> {
  const response = await request(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.statusCode !== 200)
    throw new Error(`SSE answered ${response.statusCode}: ${await response.body.text()}`);
  if (!String(response.headers['content-type']).startsWith('text/event-stream'))
    throw new Error(`SSE content type ${response.headers['content-type']}`);
  const events: SseEvent[] = [];
  let buffered = '';
  for await (const chunk of response.body) {
    buffered += chunk.toString();
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) });
      end = buffered.indexOf('\n\n');
    }
  }
  return events;
}
