// Builds Keel and the examples only when a source is newer than the last build, so `npm start` is fast.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const packages = [
  { dir: 'packages/keel', tsconfig: 'tsconfig.build.json', inputs: [] },
  // The planner compiles against Keel's declarations: a new Keel build makes it stale too.
  { dir: 'examples/planner', tsconfig: 'tsconfig.json', inputs: ['packages/keel/dist/.tsbuildinfo'] },
  { dir: 'examples/minimal', tsconfig: 'tsconfig.json', inputs: ['packages/keel/dist/.tsbuildinfo'] },
  { dir: 'examples/watcher', tsconfig: 'tsconfig.json', inputs: ['packages/keel/dist/.tsbuildinfo'] },
  { dir: 'examples/comments', tsconfig: 'tsconfig.json', inputs: ['packages/keel/dist/.tsbuildinfo'] },
];

function newestIn(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestIn(join(path, entry)));
  return newest;
}

for (const pkg of packages) {
  const dir = join(root, pkg.dir);
  const built = join(dir, 'dist', '.tsbuildinfo');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const sources = [
    join(dir, 'src'),
    join(dir, pkg.tsconfig),
    join(dir, 'tsconfig.json'),
    join(root, 'tsconfig.base.json'),
  ];
  const changedAt = Math.max(...sources.map(newestIn), ...pkg.inputs.map((input) => newestIn(join(root, input))));
  if (builtAt > changedAt) continue;
  process.stderr.write(`building ${pkg.dir}\n`);
  const result = spawnSync(process.execPath, [tsc, '-p', join(dir, pkg.tsconfig)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // tsc leaves its build info untouched when no output changed; mark the build as current.
  const now = new Date();
  utimesSync(built, now, now);
}
