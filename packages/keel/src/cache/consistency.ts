import type { CacheConsistency } from './options.js';

/** Which namespaces are strict (not served from memory while instances may miss each other's writes). */
export class NamespaceConsistency {
  constructor(
    private readonly fallback: CacheConsistency,
    private readonly byNamespace: ReadonlyMap<string, CacheConsistency>,
  ) {}

  /** True when `namespace` must not be answered from a memory copy that might be stale. */
  isStrict(namespace: string): boolean {
    return (this.byNamespace.get(namespace) ?? this.fallback) === 'strict';
  }
}
