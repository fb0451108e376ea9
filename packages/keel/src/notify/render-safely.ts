/** A render that threw: the delivery fails with this reason instead of retrying a bug. */
export interface RenderFailure {
  failed: string;
}

/** Runs a channel's render; a throw becomes a {@link RenderFailure} (a bug in the service's render, not a send failure). */
export async function renderSafely<T>(render: () => T | Promise<T>): Promise<T | RenderFailure> {
  try {
    return await render();
  } catch (error) {
    return { failed: `render_failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Whether a render result is a {@link RenderFailure}. */
export function isRenderFailure(value: unknown): value is RenderFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RenderFailure).failed === 'string' &&
    Object.keys(value).length === 1
  );
}
