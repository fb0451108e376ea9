/** A request in flight, as {@link InFlight} links it: its deadline and how to end it. */
export interface Tracked {
  readonly deadlineAt: number;
  /** Ends the request: its deadline passed. */
  expire(): void;
  /** Links of the list, owned by {@link InFlight}. */
  previous: Tracked | undefined;
  next: Tracked | undefined;
}

/**
 * A client's requests in flight, in the order they started, and their deadlines: one timer for
 * all of them, armed for the earliest deadline, rather than one per request (a timer and two Set
 * entries per request cost a tenth of a loopback request). The list is linked through the requests
 * themselves: adding and removing allocate nothing. When the timer fires it ends every request past
 * its deadline and re-arms for the next one, so no request outlives its deadline.
 */
export class InFlight {
  private head: Tracked | undefined;
  private tail: Tracked | undefined;
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  /** Requests in flight. */
  size = 0;

  add(request: Tracked): void {
    request.previous = this.tail;
    request.next = undefined;
    if (this.tail === undefined) this.head = request;
    else this.tail.next = request;
    this.tail = request;
    this.size += 1;
    if (request.deadlineAt < this.armedAt) this.arm(request.deadlineAt);
  }

  delete(request: Tracked): void {
    const { previous, next } = request;
    if (previous === undefined) {
      if (this.head !== request) return; // not in the list (already expired)
      this.head = next;
    } else previous.next = next;
    if (next === undefined) this.tail = previous;
    else next.previous = previous;
    request.previous = undefined;
    request.next = undefined;
    this.size -= 1;
    if (this.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.armedAt = Number.POSITIVE_INFINITY;
    }
  }

  /** The requests in flight, oldest first (the one yielded may be deleted meanwhile). */
  *[Symbol.iterator](): IterableIterator<Tracked> {
    for (let request = this.head; request !== undefined; ) {
      const following = request.next;
      yield request;
      request = following;
    }
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(this.fire, Math.max(1, at - Date.now()));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (let request = this.head; request !== undefined; ) {
      const following = request.next;
      if (request.deadlineAt <= now) request.expire();
      else if (request.deadlineAt < next) next = request.deadlineAt;
      request = following;
    }
    if (next !== Number.POSITIVE_INFINITY && this.size > 0) this.arm(next);
  };
}
