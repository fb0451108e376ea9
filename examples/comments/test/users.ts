import type { CommentsHarness } from './harness.js';

let counter = 0;

/** Registers a user and logs in; returns its token. */
export async function userToken(harness: CommentsHarness, name = 'user'): Promise<string> {
  const email = `${name}-${process.pid}-${++counter}@example.com`;
  const password = 'correct horse battery staple';
  const registered = await harness.call('POST', '/api/v1/auth/register', { body: { email, password, name } });
  if (registered.status !== 201)
    throw new Error(`register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  const login = await harness.call('POST', '/api/v1/auth/login', { body: { email, password } });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
  return login.body.accessToken as string;
}

/** Polls a task until `done(task)`; returns it. */
export async function waitForTask(
  harness: CommentsHarness,
  token: string,
  id: string,
  done: (task: any) => boolean = (task) => ['succeeded', 'failed', 'cancelled', 'expired'].includes(task.state),
  timeoutMs = 120_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await harness.call('GET', `/api/v1/tasks/${id}`, { token });
    if (answer.status !== 200) throw new Error(`GET task answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    if (done(answer.body)) return answer.body;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${answer.body.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every stored comment id of a post, through the comments API's keyset pages. */
export async function allIds(harness: CommentsHarness, token: string, post: string): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${cursor}` : '';
    const page = await harness.call('GET', `/api/v1/posts/${post}/comments?limit=500${query}`, { token });
    if (page.status !== 200) throw new Error(`comments answered ${page.status}: ${JSON.stringify(page.body)}`);
    ids.push(...page.body.items.map((item: { id: number }) => item.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  return ids;
}
