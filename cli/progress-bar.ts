/**
 * The progress bar of `meshsim run`: simulated seconds out of the scenario's, on stderr, for a person
 * watching a terminal. A supervised run (supervise.ts) has a pipe for stderr, so its bar is drawn by
 * the supervisor, on the terminal the supervisor has: the child sends the bar's moves (`bar` lines on
 * the progress pipe) and the supervisor replays them on a bar of its own.
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

/** A bar whose moves go to `send` as `bar` lines (the supervised child's side). */
export function remoteBar(name: string, send: (line: string) => void): ProgressBar {
  const clean = name.replace(/[\t\n]/g, ' ');
  return {
    start: (totalS) => send(`bar\tstart\t${Math.round(totalS)}\t${clean}\n`),
    update: (simulatedS) => send(`bar\tupdate\t${Math.round(simulatedS)}\n`),
    stop: () => send('bar\tstop\n'),
  };
}

/** Replays one `bar` line's fields (after `bar`) on the supervisor's side; `make` draws a bar. */
export class BarReplay {
  private readonly make: (name: string) => ProgressBar;
  private bar: ProgressBar | null = null;

  constructor(make: (name: string) => ProgressBar) {
    this.make = make;
  }

  apply(fields: readonly string[]): void {
    const [move, value, ...name] = fields;
    const n = Number(value);
    if (move === 'start' && Number.isSafeInteger(n) && n >= 0) {
      this.bar?.stop();
      this.bar = this.make(name.join('\t'));
      this.bar.start(n);
    } else if (move === 'update' && Number.isSafeInteger(n) && n >= 0) {
      this.bar?.update(n);
    } else if (move === 'stop') {
      this.finish();
    }
  }

  /** The child ended (its bar may still be open, if it died). */
  finish(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
