/**
 * What an app does with one request that reaches it: call its dependencies one after another, in
 * the order AppSpec lists them (each a call-graph edge; several edges are the fan-out), then work
 * for its service time, then answer. A small state machine the world drives: it asks `nextStep`,
 * performs the step in virtual time (a call through the client's sidecar, or a wait), reports back
 * with `recordCallAnswer` / `recordWorkDone`, and asks again until the step is `respond`.
 *
 * Rules (a modelling choice; meshsim's apps are synthetic):
 * - A dependency answer is a failure when there is no HTTP response (reset, refused, timed out
 *   locally: status null) or its status is ≥ 500; 1xx–4xx answers are successes for the caller.
 * - The first failed dependency stops the calls (fail fast): later dependencies are not called,
 *   the app still works for its service time, and answers with its `errorStatus`.
 * - Without a failed dependency the app answers with its own decision (drawAppAnswer): `errorStatus`
 *   with probability errorRatePpm, else 200. Its own failure does not skip dependency calls.
 *
 * Invariants: the plan's draws all happen in `planRequest` (service time, then error: two draws),
 * so how dependencies answer never shifts this app's stream; steps come in the order
 * call₀ … call_k, work, respond; `respond` is final; answers are recorded only for the call the
 * plan asked for.
 *
 * Not modelled: parallel fan-out (calls overlap), retries or timeouts inside the app, partial
 * answers (degraded pages that still return 200), per-call payload sizes, calls that depend on the
 * request's path or headers, service time spent between calls (all work comes after the calls).
 */
import { assert } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';
import { APP_OK_STATUS, drawAppAnswer } from './service-time.ts';
import type { AppAnswerSpec } from './service-time.ts';

/** One outgoing call, as sim/world/scenario.ts AppSpec.calls lists them. */
export interface CallSpec {
  readonly url: string;
  readonly method: string;
}

/** The part of sim/world/scenario.ts AppSpec a plan needs. */
export interface AppBehaviour extends AppAnswerSpec {
  readonly calls: readonly CallSpec[];
}

export interface RequestPlan {
  readonly calls: readonly CallSpec[];
  readonly serviceTimeUs: number;
  /** The app's own error decision for this request. */
  readonly fails: boolean;
  readonly errorStatus: number;
}

/** What one dependency call came back with; null status: no HTTP response at all. */
export interface CallAnswer {
  readonly status: number | null;
}

export type PlanStep =
  | { readonly kind: 'call'; readonly index: number; readonly call: CallSpec }
  | { readonly kind: 'work'; readonly durationUs: number }
  | { readonly kind: 'respond'; readonly status: number; readonly reason: 'ok' | 'app-error' | 'dependency-failed' };

/** The state of one request inside the app, owned by the caller. */
export interface RequestProgress {
  readonly plan: RequestPlan;
  readonly answers: CallAnswer[];
  workDone: boolean;
}

/** Draws the request's fate up front (service time, then error) and copies the call list. */
export function planRequest(app: AppBehaviour, rng: Rng): RequestPlan {
  const answer = drawAppAnswer(app, rng);
  return {
    calls: [...app.calls],
    serviceTimeUs: answer.serviceTimeUs,
    fails: answer.fails,
    errorStatus: app.errorStatus,
  };
}

export function startRequest(plan: RequestPlan): RequestProgress {
  return { plan, answers: [], workDone: false };
}

/** A failed dependency answer (see the header): no response, or a 5xx. */
export function isFailedAnswer(answer: CallAnswer): boolean {
  return answer.status === null || answer.status >= 500;
}

export function nextStep(progress: RequestProgress): PlanStep {
  const { plan, answers } = progress;
  const dependencyFailed = answers.some(isFailedAnswer);
  // Fail fast: after a failed dependency no further call is made.
  if (!dependencyFailed && answers.length < plan.calls.length) {
    return { kind: 'call', index: answers.length, call: plan.calls[answers.length] as CallSpec };
  }
  if (!progress.workDone) return { kind: 'work', durationUs: plan.serviceTimeUs };
  if (dependencyFailed) return { kind: 'respond', status: plan.errorStatus, reason: 'dependency-failed' };
  if (plan.fails) return { kind: 'respond', status: plan.errorStatus, reason: 'app-error' };
  return { kind: 'respond', status: APP_OK_STATUS, reason: 'ok' };
}

/** Records the answer of the call `nextStep` asked for (by its index). */
export function recordCallAnswer(progress: RequestProgress, index: number, answer: CallAnswer): void {
  const step = nextStep(progress);
  assert(step.kind === 'call' && step.index === index, () => `answer for call ${index}, but the plan's next step is ${describe(step)}`);
  assert(answer.status === null || (Number.isSafeInteger(answer.status) && answer.status >= 100 && answer.status <= 599),
    () => `call answer status ${String(answer.status)} is not an HTTP status`);
  progress.answers.push(answer);
}

export function recordWorkDone(progress: RequestProgress): void {
  const step = nextStep(progress);
  assert(step.kind === 'work', () => `work done, but the plan's next step is ${describe(step)}`);
  progress.workDone = true;
}

function describe(step: PlanStep): string {
  switch (step.kind) {
    case 'call':
      return `call ${step.index} (${step.call.method} ${step.call.url})`;
    case 'work':
      return `work ${step.durationUs} µs`;
    case 'respond':
      return `respond ${step.status}`;
  }
}
