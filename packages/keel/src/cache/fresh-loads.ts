interface Flight {
  /** The load in progress. */
  running: Promise<unknown>;
  /** The load that starts once it ends, shared by every call that arrived meanwhile. */
  next: Promise<unknown> | undefined;
}

/**
 * One load at a time per key, where no call ever gets a value whose load began before the call did:
 * a call that finds a load running waits for the next one, which every call arriving meanwhile shares.
 * A plain single flight would hand a load started before another instance's write to a read made
 * after that write; this one still runs one load per key at a time, however many calls come.
 *
 * @example
 * ```ts
 * const loads = new FreshLoads();
 * const user = await loads.load('users:0:42', () => db.findUser('42'));
 * ```
 */
export class FreshLoads {
  private readonly flights = new Map<string, Flight>();

  /** `run`'s value, from a run that began after this call. */
  load<T>(key: string, run: () => Promise<T>): Promise<T> {
    const flight = this.flights.get(key);
    if (!flight) return this.start(key, run);
    flight.next ??= flight.running.then(ignore, ignore).then(() => this.start(key, run));
    return flight.next as Promise<T>;
  }

  private start<T>(key: string, run: () => Promise<T>): Promise<T> {
    const running = Promise.resolve().then(run);
    const flight: Flight = { running, next: undefined };
    this.flights.set(key, flight);
    // The next flight, when there is one, takes the key's place once it starts.
    const end = () => {
      if (this.flights.get(key) === flight && flight.next === undefined) this.flights.delete(key);
    };
    running.then(end, end);
    return running;
  }
}

function ignore(): void {}
