// One attempt at some micro benchmarks, in a fresh process: `node --single-threaded --expose-gc
// perf/micro-child.ts [--quick] [--filter NAME | --groups-of NAME,NAME...]`. run-benchmarks.ts
// starts it for every attempt after the first and for the gate's confirmations, so each attempt has
// its own JIT state and heap (a function compiled badly in one process is compiled afresh here).
//
// Job: run the selected micro suites (run-micro.ts) and print one line `@@meshsim-perf-micro <json>`
// with the figures (samples and their paired calibrations) and references; progress goes to stderr.
//
// Invariants: the JSON line is the last line on stdout; exit 0 after a run, 2 for bad arguments, 4 on
// an error (the stack on stderr).
//
// Not modelled: macro runs (they have their own child, macro-child.ts).
import { parseArgs } from 'node:util';
import { MICRO_SUITES } from './bench/suites.ts';
import { byFilter, byGroupsOf, runMicroSuites, type MicroResult } from './run-micro.ts';

export const MICRO_RESULT_MARKER = '@@meshsim-perf-micro ';

function main(argv: readonly string[]): number {
  let values: { quick?: boolean; filter?: string; 'groups-of'?: string };
  try {
    values = parseArgs({
      args: [...argv], strict: true, allowPositionals: false,
      options: { quick: { type: 'boolean' }, filter: { type: 'string' }, 'groups-of': { type: 'string' } },
    }).values;
  } catch (error) {
    process.stderr.write(`micro-child: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const groupsOf = values['groups-of'];
  const select = groupsOf === undefined ? byFilter(values.filter) : byGroupsOf(groupsOf.split(',').filter((n) => n !== ''));
  const result: MicroResult = runMicroSuites(MICRO_SUITES, { quick: values.quick === true }, select, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${MICRO_RESULT_MARKER}${JSON.stringify(result)}\n`);
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 4;
  }
}
