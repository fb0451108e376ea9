import cliProgress from 'cli-progress';
import type { BackupProgress, ProgressListener } from '../backup/index.js';
import type { CliIo } from './command.js';

/** A progress listener drawing a bar on a TTY stdout (nothing otherwise), and its `stop`. */
export function progressBar(io: CliIo, label: string): { onProgress: ProgressListener | undefined; stop(): void } {
  if (!io.stdout.isTTY) return { onProgress: undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  const onProgress = (progress: BackupProgress): void => {
    if (progress.total === undefined) return;
    if (!bar) {
      bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {value}/{total} ${progress.unit}`,
          stream: io.stdout,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(progress.total, progress.done);
    }
    bar.setTotal(progress.total);
    bar.update(progress.done);
  };
  return { onProgress, stop: () => bar?.stop() };
}
