/**
 * The CLI's error classes: a UserError is the user's to fix (bad path, bad flag, bad input) and is
 * printed as one clear message with exit code 2 (or the code it carries); anything else is a bug.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  badInput: 2,
  environmentMissing: 3,
  internalError: 4,
  /** The run outgrew the memory Node may use (cli/memory-guard.ts). */
  outOfMemory: 5,
} as const;

export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.badInput) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
