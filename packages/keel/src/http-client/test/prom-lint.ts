// The rules of `promtool check metrics`, for a Prometheus text exposition: a test fixture (the
// machine has no promtool). Returns the problems found, none for a clean exposition.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NON_BASE_UNITS =
  /_(milliseconds|microseconds|nanoseconds|minutes|hours|days|kilobytes|megabytes|gigabytes|percent)(_|$)/;

export function lintExposition(text: string, only: (name: string) => boolean = () => true): string[] {
  const problems: string[] = [];
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const series = new Set<string>();
  const sampled = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!only(name)) continue;
      const seen = kind === 'HELP' ? help : type;
      if (seen.has(name)) problems.push(`${name}: ${kind} given twice`);
      seen.set(name, rest);
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([^{\s]+)(\{[^}]*\})? (\S+)( \d+)?$/.exec(line);
    if (!sample) {
      problems.push(`unparsable sample line: ${line}`);
      continue;
    }
    const [, name, labels = '', value] = sample as unknown as [string, string, string | undefined, string];
    const family = familyOf(name, type);
    if (!only(family)) continue;
    sampled.add(family);
    if (!METRIC_NAME.test(name)) problems.push(`${name}: invalid metric name`);
    if (Number.isNaN(Number(value)) && !['NaN', '+Inf', '-Inf'].includes(value))
      problems.push(`${name}: bad value ${value}`);
    const labelNames: string[] = [];
    for (const match of labels.matchAll(/([^{=,\s]+)="((?:[^"\\]|\\.)*)"/g)) {
      const labelName = match[1]!;
      labelNames.push(labelName);
      if (!LABEL_NAME.test(labelName) || labelName.startsWith('__'))
        problems.push(`${name}: invalid label name ${labelName}`);
    }
    if (new Set(labelNames).size !== labelNames.length) problems.push(`${name}: a label given twice`);
    const key = `${name}${labels}`;
    if (series.has(key)) problems.push(`${key}: duplicate series`);
    series.add(key);
  }
  for (const name of new Set([...help.keys(), ...type.keys(), ...sampled])) {
    if (!help.has(name) || help.get(name) === '') problems.push(`${name}: no help text`);
    if (!type.has(name)) problems.push(`${name}: no TYPE`);
    const kind = type.get(name);
    if (kind === 'counter' && !name.endsWith('_total')) problems.push(`${name}: counter names should end in _total`);
    if (kind !== 'counter' && name.endsWith('_total'))
      problems.push(`${name}: non-counter names should not end in _total`);
    if (/[a-z][A-Z]/.test(name)) problems.push(`${name}: metric names should be snake_case, not camelCase`);
    if (NON_BASE_UNITS.test(name)) problems.push(`${name}: use base units (seconds, bytes)`);
    // A labelled histogram with no observation yet has no series at all: only a sampled one needs _count.
    if (
      kind === 'histogram' &&
      sampled.has(name) &&
      !series.has(`${name}_count`) &&
      ![...series].some((s) => s.startsWith(`${name}_count{`))
    )
      problems.push(`${name}: histogram without _count`);
  }
  return problems;
}

function familyOf(sample: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suffix)) {
      const base = sample.slice(0, -suffix.length);
      if (types.get(base) === 'histogram' || types.get(base) === 'summary') return base;
    }
  }
  return sample;
}
