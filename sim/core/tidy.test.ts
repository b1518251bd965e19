// Holds sim/core's source rules so no reviewer has to (TigerBeetle's tidy.zig, in miniature):
// banned nondeterminism, imports, module-level state, headers, names and sizes.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = import.meta.dirname;
const sources = readdirSync(directory)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(directory, name), 'utf8') }));

// Drops // comments (whole-line or trailing) and /* */ blocks, so prose may name what code may not use.
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((line) => line.replace(/(^|\s)\/\/.*$/, ''))
    .join('\n');
}

const BANNED: readonly [RegExp, string][] = [
  [/\bDate\b/, 'virtual time from the EventLoop'],
  [/\bperformance\b/, 'virtual time from the EventLoop'],
  [/Math\.random/, 'an Rng stream'],
  [/\bset(Timeout|Interval|Immediate)\b|\bqueueMicrotask\b/, 'loop.schedule()'],
  [/\basync\b|\bawait\b|\bPromise\b/, 'events on the EventLoop'],
  [/\bprocess\b/, 'arguments passed in by the caller'],
  [/\bcrypto\b/, 'hash.ts or an Rng stream'],
  [/\blocaleCompare\b|\btoLocale/, 'compareStrings / explicit formatting'],
  [/\bfor\s*\(\s*(const|let|var)\s+\w+\s+in\b/, 'for…of over Object.keys(...).sort()'],
  [/^(export\s+)?(let|var)\s/m, 'state owned by an instance (no module-level mutable state)'],
  [/^(export\s+)?const\s+\w+\s*(:[^=]+)?=\s*(new\s|\[|\{)/m, 'a function or an instance field (no module-level objects)'],
];

test('sim/core sources exist', (t) => {
  t.true(sources.length >= 8, `found ${sources.map((source) => source.name).join(', ')}`);
});

test('no banned tokens in sim/core sources', (t) => {
  for (const { name, text } of sources) {
    const code = codeOnly(text);
    for (const [pattern, instead] of BANNED) t.false(pattern.test(code), `${name}: ${pattern} — use ${instead}`);
  }
});

test('sim/core imports only itself and pure-rand', (t) => {
  for (const { name, text } of sources) {
    for (const match of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
      const target = match[1] ?? '';
      const allowed = /^\.\/[a-z0-9-]+\.ts$/.test(target) || /^pure-rand\//.test(target);
      t.true(allowed, `${name} imports ${target}`);
    }
  }
});

test('every sim/core file is kebab-case, has a header with Not modelled, and stays small', (t) => {
  for (const { name, text } of sources) {
    t.regex(name, /^[a-z0-9]+(-[a-z0-9]+)*\.ts$/, name);
    t.true(text.startsWith('//'), `${name} must open with its header comment`);
    t.true(text.includes('Not modelled:'), `${name} header needs a Not modelled: list`);
    t.true(text.split('\n').length <= 300, `${name} is over 300 lines`);
  }
});

test('the tidy rules themselves catch what they claim to', (t) => {
  const caught = (code: string): boolean => BANNED.some(([pattern]) => pattern.test(codeOnly(code)));
  t.true(caught('const t = Date.now();'));
  t.true(caught('let counter = 0;'));
  t.true(caught('const cache = new Map();'));
  t.true(caught('for (const key in object) {}'));
  t.true(caught('a.localeCompare(b)'));
  t.false(caught('// Date and Math.random are banned'));
  t.false(caught('const LIMIT = 3;\nfor (const item of items) {}'));
});
