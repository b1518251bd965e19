// The tidy test: the real tree must be clean, and every rule must be able to fail. The unit tests
// feed `checkSource` small synthetic files; the tree tests build throwaway trees in a temp folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { checkShape } from './tidy-shape.ts';
import { checkSource, checkTree, formatViolation, type Violation } from './tidy.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const found = (violations: readonly Violation[]): string[] =>
  violations.map((v) => `${v.rule}@${v.line}`);

test('the repository is tidy', (t) => {
  const violations = checkTree(repoRoot);
  const report = violations.map(formatViolation).join('\n');
  t.is(violations.length, 0, `${violations.length} tidy violation(s):\n${report}`);
});

// Each case: a file path, its source, and the exact `rule@line` list it must produce.
const failing: ReadonlyArray<[title: string, file: string, source: string, expected: string[]]> = [
  ['Date.now', 'sim/proxy/x.ts', 'const a = 1;\nconst t = Date.now();\n', ['date@2']],
  ['new Date', 'sim/core/x.ts', 'export const f = () => new Date(0);\n', ['date@1']],
  ['Date as a type', 'sim/core/x.ts', 'export type T = { at: Date };\n', ['date@1']],
  ['Math.random', 'sim/proxy/x.ts', '\n\nexport const r = Math.random();\n', ['math-random@3']],
  ["Math['random']", 'sim/proxy/x.ts', "export const r = Math['random']();\n", ['math-random@1']],
  ['random destructured from Math', 'sim/proxy/x.ts', 'const { random } = Math;\n',
    ['math-random@1']],
  ['performance.now', 'sim/core/x.ts', 'export const t = performance.now();\n',
    ['performance@1']],
  ['setTimeout', 'sim/proxy/x.ts', 'declare const f: () => void;\nsetTimeout(f, 1);\n',
    ['timers@2']],
  ['setInterval', 'sim/proxy/x.ts', 'setInterval(() => {}, 1);\n', ['timers@1']],
  ['setImmediate', 'sim/proxy/x.ts', 'setImmediate(() => {});\n', ['timers@1']],
  ['queueMicrotask', 'sim/proxy/x.ts', 'queueMicrotask(() => {});\n', ['timers@1']],
  ['async function', 'sim/proxy/x.ts', 'async function f() {}\n', ['async@1']],
  ['async arrow', 'sim/proxy/x.ts', 'export const f = async () => 1;\n', ['async@1']],
  ['async method', 'sim/proxy/x.ts', 'export class C {\n  async m() {}\n}\n', ['async@2']],
  ['await', 'sim/proxy/x.ts', 'declare const x: number;\nawait x;\n', ['await@2']],
  ['Promise', 'sim/core/x.ts', 'export const p = Promise.resolve(1);\n', ['promise@1']],
  ['Promise as a type', 'sim/core/x.ts', 'export type P = Promise<number>;\n', ['promise@1']],
  ['process.env', 'sim/proxy/x.ts', 'export const v = process.env.X;\n', ['process@1']],
  ['process in a shorthand property', 'sim/core/x.ts', 'export const o = { process };\n',
    ['process@1']],
  ['crypto', 'sim/core/x.ts', 'export const u = crypto.randomUUID();\n', ['crypto@1']],
  ['globalThis', 'sim/core/x.ts', 'export const g = globalThis;\n', ['global-this@1']],
  ['require', 'sim/core/x.ts', "export const m = require('yaml');\n", ['require@1']],
  ['eval', 'sim/core/x.ts', "eval('1');\n", ['eval@1']],
  ['new Function', 'sim/core/x.ts', "export const f = new Function('return 1');\n", ['eval@1']],
  ['for…in', 'sim/proxy/x.ts', 'declare const o: object;\nfor (const k in o) {\n  k;\n}\n',
    ['for-in@2']],
  ['localeCompare', 'sim/proxy/x.ts', "export const c = 'a'.localeCompare('b');\n",
    ['locale@1']],
  ['toLocaleString', 'sim/trace/x.ts', 'export const s = (1).toLocaleString();\n', ['locale@1']],
  ['Intl', 'sim/trace/x.ts', 'export const f = new Intl.NumberFormat();\n', ['locale@1']],
  ['top-level let', 'sim/core/x.ts', 'let counter = 0;\nexport const next = () => ++counter;\n',
    ['module-state@1']],
  ['import node:fs', 'sim/proxy/x.ts', "import fs from 'node:fs';\nfs;\n", ['node-import@1']],
  ['import a bare builtin', 'sim/core/x.ts', "import { join } from 'path';\njoin;\n",
    ['node-import@1']],
  ['import a builtin subpath', 'sim/core/x.ts', "import { readFile } from 'fs/promises';\n",
    ['node-import@1']],
  ['re-export from node:', 'sim/core/x.ts', "export { EventEmitter } from 'node:events';\n",
    ['node-import@1']],
  ['dynamic import of node:', 'sim/core/x.ts', "export const m = import('node:os');\n",
    ['node-import@1']],
  ['type-level import of node:', 'sim/core/x.ts', "export type S = import('node:fs').Stats;\n",
    ['node-import@1']],
  ['computed dynamic import', 'sim/core/x.ts', "declare const s: string;\nimport(s);\n",
    ['dynamic-import@2']],
  ['proxy imports controlplane', 'sim/proxy/x.ts', "import { x } from '../controlplane/y.ts';\n",
    ['import-direction@1']],
  ['proxy imports config, type-only', 'sim/proxy/match/x.ts',
    "import type { Vs } from '../../config/types.ts';\n", ['import-direction@1']],
  ['controlplane imports proxy', 'sim/controlplane/x.ts',
    "export { engine } from '../proxy/engine.ts';\n", ['import-direction@1']],
  ['core imports anything', 'sim/core/x.ts', "import { T } from '../trace/events.ts';\n",
    ['import-direction@1']],
  ['a module imports sim/index.ts', 'sim/world/x.ts', "import { a } from '../index.ts';\n",
    ['import-direction@1']],
  ['sim imports cli', 'sim/proxy/x.ts', "import {a} from '../../cli/main.ts';\n",
    ['import-outside-sim@1']],
  ['sim imports scenarios', 'sim/world/x.ts', "import { s } from '../../scenarios/spec.ts';\n",
    ['import-outside-sim@1']],
  ['bare package outside the allowlist', 'sim/proxy/x.ts', "import x from 'lodash';\n",
    ['package-import@1']],
  ['a test may not import lodash either', 'sim/proxy/x.test.ts', "import x from 'lodash';\n",
    ['package-import@1']],
  ['a test still keeps import directions', 'sim/proxy/x.test.ts',
    "import { x } from '../controlplane/y.ts';\n", ['import-direction@1']],
  ['file outside any known module', 'sim/util/x.ts', 'export const a = 1;\n', ['sim-layout@1']],
  ['several findings, in order', 'sim/proxy/x.ts',
    'export async function f() {\n  await g();\n  return Date.now();\n}\n',
    ['async@1', 'await@2', 'date@3']],
];

for (const [title, file, source, expected] of failing) {
  test(`fails: ${title}`, (t) => {
    t.deepEqual(found(checkSource(file, source)), expected);
  });
}

test('a violation message names what was found and what to use instead', (t) => {
  const [random] = checkSource('sim/proxy/x.ts', 'Math.random();\n');
  t.deepEqual(random, {
    path: 'sim/proxy/x.ts',
    line: 1,
    rule: 'math-random',
    message: 'Math.random in sim/: take randomness from the seeded Rng handed to the component ' +
      '(sim/core/prng.ts)',
  });
  const [direction] = checkSource('sim/proxy/x.ts', "import { x } from '../controlplane/y.ts';\n");
  t.regex(direction?.message ?? '', /sim\/proxy may import only core, xds, trace/);
  const [pkg] = checkSource('sim/proxy/x.ts', "import x from 'lodash';\n");
  t.regex(pkg?.message ?? '', /pure-rand, yaml, @kubernetes-models\/istio, kubernetes-models/);
});

const clean: ReadonlyArray<[title: string, file: string, source: string]> = [
  ['comments, strings and template text', 'sim/core/loop.ts', [
    '// The loop never reads the wall clock: no Date.now(), no Math.random, no setTimeout.',
    '/* process.env, performance.now() and async/await are banned here. */',
    "export const a = 'Date.now() and Math.random()';",
    'export const b = `Math.random() ${String(1)} for (const k in o) process.env`;',
    '/** @example const t = Date.now(); */',
    'export const c = "import fs from \'node:fs\'";',
  ].join('\n')],
  ['a test file may use async, await, Promise, timers and node:', 'sim/proxy/engine.test.ts', [
    "import { setTimeout as sleep } from 'node:timers/promises';",
    "import test from 'ava';",
    'test("x", async (t) => {',
    '  await sleep(1);',
    '  await Promise.resolve(Date.now());',
    '  t.pass();',
    '});',
  ].join('\n')],
  ['proxy imports xds and core', 'sim/proxy/engine.ts', [
    "import type { RouteConfiguration } from '../xds/route.ts';",
    "import { assert } from '../core/assert.ts';",
    "import { lb } from './lb.ts';",
    "import { m } from './match/route.ts';",
    'export { assert, lb, m };',
    'export type R = RouteConfiguration;',
  ].join('\n')],
  ['allowed packages and subpaths', 'sim/config/parse.ts', [
    "import { parse } from 'yaml';",
    "import * as prand from 'pure-rand';",
    "import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1';",
    "import { Service } from 'kubernetes-models/v1';",
    'export { parse, prand, VirtualService, Service };',
  ].join('\n')],
  ['world imports every module; sim/index.ts imports anything', 'sim/world/world.ts', [
    "import { a } from '../proxy/engine.ts';",
    "import { b } from '../controlplane/pilot.ts';",
    "import { c } from '../check/safety.ts';",
    'export { a, b, c };',
  ].join('\n')],
  ['sim/index.ts imports anything in sim', 'sim/index.ts', [
    "export { runScenario } from './world/run.ts';",
    "export type { Outcome } from './proxy/outcome.ts';",
  ].join('\n')],
  ['a property named date and a type named DateLike', 'sim/trace/events.ts', [
    'export interface DateLike { date: number; Date: string; process: 1 }',
    'export const o = { date: 1, Date: 2, random: 3, performance: 4 };',
    'export const d: DateLike = { date: o.date, Date: String(o.Date), process: 1 };',
    'export const r = o.random + o.performance;',
    'export class K { process(): void {} Promise = 1; }',
  ].join('\n')],
  ['locals that shadow banned globals', 'sim/workload/apps.ts', [
    'export function run(process: { id: number }): number { return process.id; }',
    'export function step(steps: number[]): number {',
    '  const performance = steps.length;',
    '  for (const crypto of steps) performance + crypto;',
    '  return performance;',
    '}',
    'export const Math = { random: () => 4 };',
    'export const four = Math.random();',
  ].join('\n')],
  ['top-level const, and let inside functions', 'sim/core/ids.ts', [
    'export const start = 0;',
    'export function counter(): () => number { let n = start; return () => ++n; }',
  ].join('\n')],
  ['sorting without locale', 'sim/config/store.ts', [
    'export const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);',
    'export const keys = (o: object) => Object.keys(o).sort(byName);',
    'export const s = String(1.5) + (2).toFixed(1);',
  ].join('\n')],
];

for (const [title, file, source] of clean) {
  test(`passes: ${title}`, (t) => {
    t.deepEqual(checkSource(file, source).map(formatViolation), []);
  });
}

test('code outside sim/ may use anything, and reaches sim only through sim/index.ts', (t) => {
  const cli = [
    "import { readFileSync } from 'node:fs';",
    "import { run } from '../sim/index.ts';",
    "import { loop } from '../sim/core/loop.ts';",
    'export const main = async () => { await run(readFileSync, loop, Date.now()); };',
  ].join('\n');
  t.deepEqual(found(checkSource('cli/main.ts', cli)), [], 'not enforced before sim/index.ts is');
  t.deepEqual(found(checkSource('cli/main.ts', cli, { simEntryEnforced: true })), ['sim-entry@3']);
  const typeOnly = "import type { Instant } from '../../sim/core/time.ts';\n";
  t.deepEqual(found(checkSource('conformance/routing/x.ts', typeOnly, { simEntryEnforced: true })),
    ['sim-entry@1']);
});

function withTree(files: Record<string, string>, body: (root: string) => void): void {
  const root = mkdtempSync(path.join(tmpdir(), 'tidy-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('checkTree walks sim/ and its importers, skips node_modules, and sorts', (t) => {
  const files = {
    'sim/proxy/b.ts': 'export const t = Date.now();\n',
    'sim/core/a.ts': '\n\nexport const r = Math.random();\nexport const t = Date.now();\n',
    'sim/node_modules/x/index.ts': 'export const t = Date.now();\n',
    'sim/core/.hidden/x.ts': 'export const t = Date.now();\n',
    'cli/main.ts': "import { r } from '../sim/core/a.ts';\nexport const x = r;\n",
    'cli/node_modules/y.ts': "import { r } from '../../sim/core/a.ts';\n",
  };
  withTree(files, (root) => {
    t.deepEqual(checkTree(root).map((v) => `${v.path}:${v.line} ${v.rule}`), [
      'sim/core/a.ts:1 header',
      'sim/core/a.ts:3 math-random',
      'sim/core/a.ts:4 date',
      'sim/proxy/b.ts:1 date',
      'sim/proxy/b.ts:1 header',
    ]);
  });
  withTree({ ...files, 'sim/index.ts': "export { r } from './core/a.ts';\n" }, (root) => {
    t.deepEqual(checkTree(root).map((v) => `${v.path}:${v.line} ${v.rule}`), [
      'cli/main.ts:1 sim-entry',
      'sim/core/a.ts:1 header',
      'sim/core/a.ts:3 math-random',
      'sim/core/a.ts:4 date',
      'sim/proxy/b.ts:1 date',
      'sim/proxy/b.ts:1 header',
    ]);
  });
});

test('fails: a sim/ file without a header comment', (t) => {
  const got = checkShape('sim/core/thing.ts', 'export const x = 1;\n');
  t.deepEqual(got.map((v) => [v.rule, v.line]), [['header', 1]]);
});

test('fails: a sim/ header without a Not modelled list', (t) => {
  const got = checkShape('sim/core/thing.ts', '// Does a thing.\nexport const x = 1;\n');
  t.deepEqual(got.map((v) => v.rule), ['header']);
});

test('fails: a sim/ file name that is not kebab-case', (t) => {
  const got = checkShape('sim/core/EventThing.ts', '// Job.\n// Not modelled: nothing.\nexport const x = 1;\n');
  t.deepEqual(got.map((v) => v.rule), ['file-name']);
});

test('fails: a sim/ file over the size limit', (t) => {
  const body = '// Job.\n// Not modelled: nothing.\n' + 'export const x = 1;\n'.repeat(600);
  const got = checkShape('sim/core/big.ts', body);
  t.deepEqual(got.map((v) => [v.rule, v.line]), [['file-size', 501]]);
});

test('passes: a kebab-case sim/ file with a full header', (t) => {
  t.deepEqual(checkShape('sim/core/small-thing.ts', '/**\n * Job.\n *\n * Not modelled: nothing.\n */\nexport const x = 1;\n'), []);
});
