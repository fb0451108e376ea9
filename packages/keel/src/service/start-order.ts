import { ConfigError } from '../errors/index.js';
import type { Component } from './component.js';

/**
 * Components ordered so each comes after every component it depends on, and ingress components
 * after every other one; stable otherwise. Throws a {@link ConfigError} (code `config`) on a cycle
 * or an unknown dependency.
 */
export function startOrder(components: readonly Component[]): Component[] {
  const byName = new Map(components.map((c) => [c.name, c]));
  const inner = components.filter((c) => !c.ingress).map((c) => c.name);
  const dependencies = (component: Component): readonly string[] =>
    component.ingress ? [...new Set([...(component.dependsOn ?? []), ...inner])] : (component.dependsOn ?? []);
  const ordered: Component[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (component: Component, path: string[]): void => {
    const seen = state.get(component.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new ConfigError([`Components depend on each other in a cycle: ${[...path, component.name].join(' -> ')}`]);
    }
    state.set(component.name, 'visiting');
    for (const dependency of dependencies(component)) {
      const target = byName.get(dependency);
      if (target?.ingress && !component.ingress) {
        throw new ConfigError([
          `Component "${component.name}" depends on "${dependency}", which takes outside traffic and starts last`,
        ]);
      }
      if (!target) {
        throw new ConfigError([
          `Component "${component.name}" depends on "${dependency}", which the service does not have`,
        ]);
      }
      visit(target, [...path, component.name]);
    }
    state.set(component.name, 'done');
    ordered.push(component);
  };
  for (const component of components) visit(component, []);
  return ordered;
}
