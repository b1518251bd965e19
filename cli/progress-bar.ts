/**
 * The progress bar of `meshsim run`: simulated seconds out of the scenario's, on stderr, for a person
 * watching a terminal. A supervised run has a pipe for stderr, so its bar is drawn by the supervisor,
 * on the terminal the supervisor has (supervise.ts: remoteBar in the child, BarReplay in the supervisor).
 *
 * Invariants: the bar never writes to stdout; the same moves draw the same bar in either process.
 *
 * Not modelled: an estimate of the time left (virtual seconds do not cost the same wall time).
 */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  start(totalS: number): void;
  update(simulatedS: number): void;
  stop(): void;
}

/** A bar drawn here, on `stream` (a terminal). */
export function terminalBar(name: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const bar = new cliProgress.SingleBar({ stream, format: `${name} [{bar}] {percentage}% | {value}/{total} s simulated`, hideCursor: true }, cliProgress.Presets.shades_classic);
  return {
    start: (totalS) => bar.start(totalS, 0),
    update: (simulatedS) => bar.update(simulatedS),
    stop: () => bar.stop(),
  };
}
