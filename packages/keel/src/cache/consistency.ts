import { UsageError } from '../errors/index.js';
import type { CacheConsistency, NamespaceOptions } from './options.js';

/** Which namespaces are strict (not served from memory while instances may miss each other's writes). */
export class NamespaceConsistency {
  private readonly byNamespace: Map<string, CacheConsistency>;

  constructor(
    private readonly fallback: CacheConsistency,
    declared: ReadonlyMap<string, CacheConsistency>,
  ) {
    this.byNamespace = new Map(declared);
  }

  /** True when `namespace` must not be answered from a memory copy that might be stale. */
  isStrict(namespace: string): boolean {
    return (this.byNamespace.get(namespace) ?? this.fallback) === 'strict';
  }

  /** The mode of `namespace`: its own, or the cache's. */
  of(namespace: string): CacheConsistency {
    return this.byNamespace.get(namespace) ?? this.fallback;
  }

  /** Declares namespaces (validated); one already declared (in the options or before) is a `UsageError`. */
  declare(what: string, namespaces: Record<string, NamespaceOptions>): void {
    const taken = Object.keys(namespaces).filter((namespace) => this.byNamespace.has(namespace));
    if (taken.length > 0) throw new UsageError(`${what}: namespace ${taken.join(', ')} is already declared`);
    for (const [namespace, entry] of Object.entries(namespaces)) {
      this.byNamespace.set(namespace, entry.consistency ?? this.fallback);
    }
  }
}
