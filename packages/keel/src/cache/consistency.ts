import type { CacheConsistency } from './options.js';

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

  /** True when `namespace` was declared (in the options or by `add`). */
  declared(namespace: string): boolean {
    return this.byNamespace.has(namespace);
  }

  /** Declares a namespace; `mode` undefined takes the cache's. */
  add(namespace: string, mode: CacheConsistency | undefined): void {
    this.byNamespace.set(namespace, mode ?? this.fallback);
  }
}
