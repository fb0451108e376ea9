/**
 * Spaces one bot's requests in this process to at most `perSecond`: each caller waits for the next
 * free slot (Telegram's limit is about 30 messages a second per bot).
 */
export class BotPacer {
  private nextSlot = 0;

  constructor(private readonly perSecond: number) {}

  /** Resolves when this caller may send; `signal` aborts the wait. */
  async take(signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.perSecond;
    const waitMs = slot - now;
    if (waitMs <= 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, waitMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
}
