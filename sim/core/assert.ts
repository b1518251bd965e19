// Assertions for invariants: the simulator's way of saying "this is a bug".
//
// Job: stop the run at the first broken invariant, with a message that names it. User mistakes
// (bad YAML, an unknown host) are diagnostics with a location and never go through here.
//
// Invariants:
// - Assertions are always on: there is no production mode that skips them, because a simulator
//   that keeps going after an invariant broke produces confident nonsense.
// - A lazy message (a function) is only called when the assertion fails, so hot paths can
//   describe their failure without paying for the string on success. The function itself is made
//   at every call, though (a closure over its arguments): code that runs per request or per event
//   writes `if (!(condition)) assert(false, () => ...)`, which makes it only when the check fails.
//
// Not modelled: stack trimming, error codes, soft (counting) assertions.

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message?: string | (() => string)): asserts condition {
  if (condition) return;
  const text = typeof message === 'function' ? message() : message;
  throw new AssertionError(text === undefined ? 'assertion failed' : `assertion failed: ${text}`);
}

// For the `default` arm of a switch over a discriminated union: the type checker proves the arm
// dead, and at run time a value from outside the types (bad cast, parsed data) still fails loudly.
export function unreachable(value: never, what?: string): never {
  const shown = safeDescribe(value);
  throw new AssertionError(`unreachable${what === undefined ? '' : ` (${what})`}: ${shown}`);
}

// Documents that a condition may be true or false and both are expected (TigerBeetle's `maybe`).
// It does nothing; it exists so a reader knows the branch was thought about.
export function maybe(condition: boolean): void {
  void condition;
}

function safeDescribe(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch {
    // Cycles, BigInt or a null-prototype object: the message must not mask the original failure
    // with a new one, so fall back to the type alone.
    return `<${typeof value}>`;
  }
}
