// A fuzz campaign with a time budget per case: the cases of one target (targets.ts) from one seed run
// in a child process (campaign-worker.ts) while this side keeps the clock. A case that takes longer
// than the budget is a hang: the child is killed, the case recorded, and a new child goes on from the
// next case. (A process, not a worker thread: stopping a busy thread can bring V8 down with it.)
// Each distinct failure is shrunk to a smaller case that fails the same way (within a budget of its
// own), and reported once with the number of cases that hit it.
//
// Invariants: the cases are fast-check's sample of the target's arbitrary for the seed (or the target's
// sweep, in its fixed order), so a seed and a case number name a case; a failure's signature groups it (the place, digits masked).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { targetOf } from './targets.ts';
import type { TargetName } from './targets.ts';

export interface CampaignOptions {
  readonly target: TargetName;
  /** Cases to run; with `sweep`, the target's exhaustive sweep runs instead, all of it. */
  readonly cases: number;
  readonly sweep?: boolean;
  readonly seed: number;
  /** Longest a case may take, in ms of wall time, before it counts as a hang. */
  readonly budgetMs: number;
  /** Called as cases finish (a progress line at the edge). */
  readonly progress?: (done: number) => void;
}

export interface Finding {
  readonly signature: string;
  readonly detail: string;
  /** The first case (by number) that failed this way. */
  readonly caseIndex: number;
  /** The smallest case found that fails this way, as files to replay it (target.show). */
  shown: string;
  shrunk: boolean;
  count: number;
}

export interface CampaignResult {
  readonly ran: number;
  readonly findings: readonly Finding[];
}

type FromWorker =
  | { readonly type: 'start'; readonly index: number; readonly shown: string }
  | { readonly type: 'result'; readonly index: number; readonly signature: string | null; readonly detail: string }
  | { readonly type: 'shrunk'; readonly signature: string; readonly shown: string }
  | { readonly type: 'end' };

const WORKER = fileURLToPath(new URL('./campaign-worker.ts', import.meta.url));
/** Shrinking a failure may take this many case budgets. */
const SHRINK_BUDGETS = 20;

export function runCampaign(given: CampaignOptions): Promise<CampaignResult> {
  const options = given.sweep === true ? { ...given, cases: targetOf(given.target).sweep().length } : given;
  const findings = new Map<string, Finding>();
  let ran = 0;
  const record = (signature: string, detail: string, index: number, shown: string): boolean => {
    ran += 1;
    options.progress?.(ran);
    const known = findings.get(signature);
    if (known !== undefined) {
      known.count += 1;
      return false;
    }
    findings.set(signature, { signature, detail, caseIndex: index, shown, shrunk: false, count: 1 });
    return true;
  };
  return new Promise((resolve, reject) => {
    const startWorker = (start: number): void => {
      if (start >= options.cases) {
        resolve({ ran, findings: [...findings.values()] });
        return;
      }
      const worker = fork(WORKER, [JSON.stringify({ target: options.target, seed: options.seed, cases: options.cases, start, known: [...findings.keys()], sweep: options.sweep === true })], {
        execArgv: ['--max-old-space-size=3072'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let current = { index: start, shown: '' };
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const arm = (ms: number, onExpiry: () => void) => {
        clearTimeout(timer);
        timer = setTimeout(onExpiry, ms);
      };
      const stop = (next: number) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        worker.removeAllListeners('exit');
        worker.once('exit', () => startWorker(next));
        worker.kill('SIGKILL');
      };
      worker.on('message', (message: FromWorker) => {
        if (finished) return;
        if (message.type === 'start') {
          current = { index: message.index, shown: message.shown };
          arm(options.budgetMs, () => {
            record(`hang: no answer within ${options.budgetMs} ms`, `case ${current.index} ran past the budget`, current.index, current.shown);
            stop(current.index + 1);
          });
        } else if (message.type === 'result') {
          if (message.signature === null) {
            ran += 1;
            options.progress?.(ran);
          } else if (record(message.signature, message.detail, message.index, current.shown)) {
            // The worker shrinks a new signature next; a shrink that runs too long keeps the case as it is.
            arm(options.budgetMs * SHRINK_BUDGETS, () => stop(current.index + 1));
            return;
          }
          clearTimeout(timer);
        } else if (message.type === 'shrunk') {
          const finding = findings.get(message.signature);
          if (finding !== undefined) {
            finding.shown = message.shown;
            finding.shrunk = true;
          }
          clearTimeout(timer);
        } else {
          finished = true;
          clearTimeout(timer);
          worker.disconnect();
          resolve({ ran, findings: [...findings.values()] });
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code, signal) => {
        // A child that dies (its heap limit, a fatal error in V8) fails the case it was running.
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        record(`process died: exit ${code ?? signal}`, `case ${current.index}`, current.index, current.shown);
        startWorker(current.index + 1);
      });
    };
    startWorker(0);
  });
}
