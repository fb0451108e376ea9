import { EventEmitter } from 'node:events';

// One bus per database, shared by every queue of this process on it.
const buses = new Map<string, EventEmitter>();

/** The in-process wake-up signal of a database: enqueuers emit the queue's name, workers listen. */
export function wakeBus(location: string): EventEmitter {
  let bus = buses.get(location);
  if (!bus) {
    bus = new EventEmitter();
    bus.setMaxListeners(0);
    buses.set(location, bus);
  }
  return bus;
}
