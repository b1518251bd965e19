/**
 * The supervisor of `meshsim run`: V8 ends a process whose heap is full with a fatal error that no
 * JavaScript can catch. The memory guard (memory-guard.ts) stops a run between slices of virtual time,
 * but a heap that fills within one slice (a full push of a large mesh is one event; so is loading a
 * large scenario) still reaches V8's limit. So bin/meshsim.js runs `meshsim run` in a child process and
 * this module watches it: the child's stderr passes through line by line until V8's fatal report
 * begins, and the child reports what it simulates and how far it got on a pipe (fd 3). When the child
 * dies of a full heap, the user reads the memory guard's message (what, how far, the limit, what to do)
 * and exit code 5 instead of V8's report; any other ending passes through unchanged.
 *
 * Invariants: stdout and stdin are the child's own (inherited); stderr text before V8's report reaches
 * the terminal unchanged and in order; the exit code is the child's, or 5 for a full heap, or 128 +
 * the signal number for another signal; nothing is written on the child's behalf but that message.
 *
 * SIGINT, SIGTERM and SIGHUP sent to the supervisor go on to the child.
 *
 * Not modelled: a process killed by the kernel's OOM killer (SIGKILL): the machine, not V8, ran out of
 * memory, and the signal says no more than that (exit 137, with a note). A supervisor killed with
 * SIGKILL cannot pass that on: its child runs to its end.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import type { Readable } from 'node:stream';
import { outOfMemoryMessage } from './memory-guard.ts';
import { terminalBar } from './progress-bar.ts';
import type { ProgressBar } from './progress-bar.ts';
import { EXIT } from './user-error.ts';

/**
 * Set in the child's environment: it is supervised, and reports its progress on PROGRESS_FD. (The
 * entries, bin/meshsim.js and cli/main.ts, test for it by name before loading this module.)
 */
export const SUPERVISED_ENV = 'MESHSIM_SUPERVISED';
export const PROGRESS_FD = 3;
/** Set in the child's environment: '1' when the supervisor's stderr is a terminal (the child's is a pipe). */
export const STDERR_TTY_ENV = 'MESHSIM_STDERR_TTY';

/** Lines V8's fatal report starts with (`<--- Last few GCs --->`, then `FATAL ERROR: …`). */
const FATAL_REPORT = /^(<--- Last few GCs --->|<--- JS stacktrace --->|FATAL ERROR:|#\s*Fatal (javascript|process) OOM)/;
const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit|Fatal (javascript|process) OOM/;

/**
 * Passes stderr text through a line at a time until a line starts V8's fatal report; from there on it
 * holds the text (`held`), so the supervisor can tell what ended the child before anything is shown.
 */
export class FatalReportFilter {
  private readonly pass: (text: string) => void;
  private partial = '';
  private blanks = '';
  private holding = false;
  held = '';

  constructor(pass: (text: string) => void) {
    this.pass = pass;
  }

  write(text: string): void {
    if (this.holding) {
      this.held += text;
      return;
    }
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    let out = '';
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i]!;
      if (FATAL_REPORT.test(line.trimStart())) {
        this.holding = true;
        this.held = `${this.blanks}${lines.slice(i).join('\n')}\n${this.partial}`;
        this.partial = '';
        this.blanks = '';
        break;
      }
      // Blank lines wait for the next line: V8's report starts with one.
      if (line.trim() === '') {
        this.blanks += `${line}\n`;
        continue;
      }
      out += `${this.blanks}${line}\n`;
      this.blanks = '';
    }
    if (out !== '') this.pass(out);
  }

  /** The child ended: a partial last line goes through (or joins the held report). */
  end(): void {
    if (this.holding) this.held += this.blanks;
    else if (this.blanks !== '') this.pass(this.blanks);
    this.blanks = '';
    if (this.partial === '') return;
    if (FATAL_REPORT.test(this.partial.trimStart())) {
      this.holding = true;
      this.held += this.partial;
    } else if (this.holding) {
      this.held += this.partial;
    } else {
      this.pass(this.partial);
    }
    this.partial = '';
  }
}

/** What the child said on its progress pipe: what it simulates, and its last memory sample. */
export interface ChildProgress {
  what: string | null;
  nowUs: number;
  usedBytes: number;
  limitBytes: number;
}

/**
 * Reads `what\t<text>` and `at\t<nowUs>\t<used>\t<limit>` lines, and hands `bar\t…` lines' fields to
 * `onBar` (progress-bar.ts); other lines are ignored.
 */
export class ProgressReader {
  readonly progress: ChildProgress = { what: null, nowUs: 0, usedBytes: 0, limitBytes: 0 };
  private partial = '';
  private readonly onBar: (fields: readonly string[]) => void;

  constructor(onBar: (fields: readonly string[]) => void = () => {}) {
    this.onBar = onBar;
  }

  write(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const [kind, ...fields] = line.split('\t');
      if (kind === 'what' && fields.length === 1) this.progress.what = fields[0]!;
      if (kind === 'bar') this.onBar(fields);
      if (kind === 'at' && fields.length === 3 && fields.every((f) => /^\d+$/.test(f))) {
        [this.progress.nowUs, this.progress.usedBytes, this.progress.limitBytes] = fields.map(Number) as [number, number, number];
      }
    }
  }
}

/**
 * A line of the progress pipe: `what` (once), `at` (one memory sample), `bar` (a move of the progress
 * bar: `start TOTAL NAME`, `update SECONDS`, `stop`). Tabs and newlines in text become spaces.
 */
export function progressLine(kind: 'what', text: string): string;
export function progressLine(kind: 'at', nowUs: number, usedBytes: number, limitBytes: number): string;
export function progressLine(kind: 'bar', ...fields: (string | number)[]): string;
export function progressLine(kind: 'what' | 'at' | 'bar', ...fields: (string | number)[]): string {
  return `${kind}\t${fields.map((f) => (typeof f === 'string' ? f.replace(/[\t\n]/g, ' ') : String(Math.round(f)))).join('\t')}\n`;
}

/** A bar whose moves go to `send` as `bar` lines (the supervised child's side). */
export function remoteBar(name: string, send: (line: string) => void): ProgressBar {
  return {
    start: (totalS) => send(progressLine('bar', 'start', totalS, name)),
    update: (simulatedS) => send(progressLine('bar', 'update', simulatedS)),
    stop: () => send(progressLine('bar', 'stop')),
  };
}

/** Replays the fields of `bar` lines (after `bar`) on the supervisor's side; `make` draws a bar. */
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

/**
 * In a supervised child, writes progress lines to the supervisor's pipe; null when not supervised. A
 * pipe that cannot be written (the supervisor is gone) is given up silently: progress is only advice.
 */
export function childProgressWriter(env: NodeJS.ProcessEnv = process.env): ((line: string) => void) | null {
  if (env[SUPERVISED_ENV] !== '1' || !isPipe(PROGRESS_FD)) return null;
  let open = true;
  return (line) => {
    if (!open) return;
    try {
      fs.writeSync(PROGRESS_FD, line);
    } catch {
      open = false;
    }
  };
}

function isPipe(fd: number): boolean {
  try {
    // Node's spawn makes its 'pipe' stdio from a socket pair; a shell's pipe is a FIFO.
    const stat = fs.fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/** How the supervisor ends, given how the child ended: the exit code and what to print on stderr. */
export function verdict(status: number | null, signal: NodeJS.Signals | null, held: string, progress: ChildProgress, args: readonly string[]): { code: number; stderr: string } {
  if (HEAP_EXHAUSTED.test(held)) {
    // A child that died before it said what it runs (loading the scenario filled the heap): the file.
    const what = progress.what ?? `The run of ${args.filter((a) => /\.ya?ml$/i.test(a)).at(-1) ?? 'the scenario'}`;
    const limit = progress.limitBytes > 0 ? progress.limitBytes : heapLimitGuess();
    return { code: EXIT.outOfMemory, stderr: `meshsim: ${outOfMemoryMessage(what, progress.nowUs, limit, limit)}\n` };
  }
  if (signal !== null) {
    const number = os.constants.signals[signal] ?? 0;
    const note = signal === 'SIGKILL' ? ' (the system may have run out of memory: see the kernel log, or give the run less to simulate)' : '';
    return { code: 128 + number, stderr: `${held}meshsim: the run was ended by ${signal}${note}.\n` };
  }
  return { code: status ?? EXIT.internalError, stderr: held };
}

/** The child runs with this process's flags and NODE_OPTIONS, so its heap limit is this process's. */
function heapLimitGuess(): number {
  return v8.getHeapStatistics().heap_size_limit;
}

/** Runs `meshsim run ARGS` in a child (`entry` is bin/meshsim.js) and resolves to the exit code. */
export function superviseRun(entry: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
      stdio: ['inherit', 'inherit', 'pipe', 'pipe'],
      env: { ...process.env, [SUPERVISED_ENV]: '1', [STDERR_TTY_ENV]: process.stderr.isTTY === true ? '1' : '0' },
    });
    const filter = new FatalReportFilter((text) => process.stderr.write(text));
    const bars = new BarReplay((name) => terminalBar(name));
    const reader = new ProgressReader((fields) => bars.apply(fields));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => filter.write(text));
    (child.stdio[PROGRESS_FD] as Readable).setEncoding('utf8').on('data', (text: string) => reader.write(text));
    // A signal to the supervisor (a CI timeout's SIGTERM, Ctrl-C) goes on to the child, which ends the
    // run; the supervisor then ends as the child did (128 + the signal's number).
    const forward = (signal: NodeJS.Signals) => { child.kill(signal); };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const signal of signals) process.on(signal, forward);
    child.on('error', (error) => {
      // The child could not be started at all (no 'close' follows).
      for (const s of signals) process.off(s, forward);
      process.stderr.write(`meshsim: could not start the run: ${error.message}\n`);
      resolve(EXIT.internalError);
    });
    child.on('close', (status, signal) => {
      for (const s of signals) process.off(s, forward);
      bars.finish();
      filter.end();
      const { code, stderr } = verdict(status, signal, filter.held, reader.progress, args);
      if (stderr !== '') process.stderr.write(stderr);
      resolve(code);
    });
  });
}
