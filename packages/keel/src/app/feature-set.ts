import { UsageError } from '../errors/index.js';
import type { AppConfig } from './app-config.js';
import type { Feature, FeatureContext, FeatureParts } from './feature.js';

type Handles<DB, C extends AppConfig> = Omit<FeatureContext<DB, C>, 'use'>;

/**
 * Sets up each feature once, in any order: `use(other)` sets `other` up first, so no list has to
 * be sorted by hand. Returns every feature's parts, in the order they were set up.
 */
export function setUpFeatures<DB, C extends AppConfig>(
  features: readonly Feature<unknown, DB, C>[],
  handles: Handles<DB, C>,
): { feature: Feature<unknown, DB, C>; parts: FeatureParts<unknown> }[] {
  const names = new Set<string>();
  for (const feature of features) {
    if (typeof feature?.setup !== 'function')
      throw new UsageError('createApp: every feature must come from defineFeature');
    if (names.has(feature.name)) throw new UsageError(`createApp: two features are named "${feature.name}"`);
    names.add(feature.name);
  }
  const done = new Map<Feature<unknown, DB, C>, FeatureParts<unknown>>();
  const order: { feature: Feature<unknown, DB, C>; parts: FeatureParts<unknown> }[] = [];
  const path: string[] = [];
  const setUp = (feature: Feature<unknown, DB, C>): FeatureParts<unknown> => {
    const known = done.get(feature);
    if (known) return known;
    if (!features.includes(feature)) {
      throw new UsageError(`Feature "${path.at(-1)}" uses "${feature.name}", which createApp was not given`);
    }
    if (path.includes(feature.name)) {
      throw new UsageError(`Features use each other in a cycle: ${[...path, feature.name].join(' -> ')}`);
    }
    path.push(feature.name);
    const context: FeatureContext<DB, C> = {
      ...handles,
      logger: handles.logger.child({ feature: feature.name }),
      use: <E>(other: Feature<E, DB, C>): E => setUp(other as Feature<unknown, DB, C>).exports as E,
    };
    const parts = feature.setup(context) ?? {};
    path.pop();
    done.set(feature, parts);
    order.push({ feature, parts });
    return parts;
  };
  for (const feature of features) setUp(feature);
  return order;
}
