// The tidy checker: reads the project's sources and holds the house rules mechanically, in the
// style of TigerBeetle's tidy.zig, so no reviewer has to (see DESIGN.md, "Import directions" and
// "Determinism", and reference/aesthetics.md, "The determinism contract for sim/").
//
// It parses each file with the TypeScript compiler API and walks the AST, so comments, strings and
// template text never trigger a rule; only code does. Banned globals are matched as references
// that are not shadowed by a local declaration (a parameter named `process` is fine), never as
// property names (`o.date`, `{ Date: 1 }`) or other identifiers (`DateLike`).
//
// Invariants: `checkSource` is a pure function of (path, text, options); `checkTree` returns
// violations sorted by (path, line, rule, message), so two runs print the same report.
//
// Not modelled: "check/ and trace/ never schedule events" (needs types, not syntax); purity of
// controlplane/generate and proxy/match; line, function and file size limits; module-level
// mutable `const` objects (only top-level `let`/`var` are caught); code reached through
// re-exports of allowed packages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { checkShape } from './tidy-shape.ts';

export type Violation = { path: string; line: number; rule: string; message: string };

export type CheckOptions = {
  /** When true, code outside sim/ may import sim only through sim/index.ts. */
  simEntryEnforced?: boolean;
};

type ModuleRule = { allowed: readonly string[] | 'any'; why?: string };

/**
 * Allowed import directions between sim/ modules (the folder right under sim/ is the module).
 * A module may always import its own files. Type-only imports count: the rule is about
 * dependencies. A file in a module not listed here is a `sim-layout` violation.
 */
export const IMPORT_DIRECTIONS: Readonly<Record<string, ModuleRule>> = {
  core: { allowed: [], why: 'the kernel imports nothing' },
  config: { allowed: ['core'] },
  xds: { allowed: ['core'], why: 'xds is the contract: compiled config types only' },
  trace: { allowed: ['core'] },
  topology: { allowed: ['core', 'config'] },
  analysis: {
    allowed: ['core', 'config', 'topology'],
    why: 'analyzers read config and topology and report diagnostics; they never simulate',
  },
  network: { allowed: ['core', 'trace', 'topology'] },
  controlplane: {
    allowed: ['core', 'config', 'topology', 'xds', 'trace'],
    why: 'the control plane never reaches into a proxy; they meet in sim/xds',
  },
  proxy: {
    allowed: ['core', 'xds', 'trace'],
    why: 'the proxy sees only compiled config (sim/xds), as Envoy sees only xDS',
  },
  workload: { allowed: ['core', 'topology', 'trace'] },
  faults: { allowed: ['core', 'topology', 'network', 'controlplane', 'proxy', 'workload'], why: 'pod churn arrives as workload arrivals do (Poisson)' },
  check: { allowed: ['core', 'trace', 'xds', 'config'], why: 'checkers observe, never drive' },
  world: {
    allowed: [
      'core', 'config', 'xds', 'trace', 'topology', 'network',
      'controlplane', 'proxy', 'workload', 'faults', 'check', 'analysis',
    ],
    why: 'world is the composition root',
  },
  'index.ts': { allowed: 'any', why: 'sim/index.ts is the public surface' },
};

/** Bare packages sim/ may import (subpaths allowed). */
export const SIM_PACKAGES: readonly string[] = [
  'pure-rand', 'yaml', '@kubernetes-models/istio', 'kubernetes-models',
];
/** Extra bare packages a sim/ `*.test.ts` file may import. */
export const SIM_TEST_PACKAGES: readonly string[] = ['ava', 'fast-check', '@fast-check/ava'];

/** Top-level folders outside sim/ whose imports of sim/ are checked (`sim-entry`). */
export const OUTSIDE_ROOTS: readonly string[] = [
  'bin', 'cli', 'conformance', 'perf', 'reports', 'scenarios', 'scripts',
];
const SKIP_DIRS: ReadonlySet<string> = new Set(['node_modules', 'tidy-fixtures']);
const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;

type Ban = { rule: string; message: string };

const VIRTUAL_TIME = 'use virtual time from the EventLoop (sim/core/loop.ts; Instant/Duration ' +
  'in integer µs, sim/core/time.ts)';
const TIMER = (name: string): Ban => ({
  rule: 'timers',
  message: `${name} in sim/: host timers run outside virtual time; schedule an event on the ` +
    'EventLoop (sim/core/loop.ts)',
});
const EDGES = 'I/O and the Node runtime live at the edges (cli/, reports/, conformance/, perf/); ' +
  'pass data into sim/ as values';

/** Globals banned in non-test sim/ code, matched as unshadowed references (values or types). */
export const BANNED_GLOBALS: Readonly<Record<string, Ban>> = {
  Date: { rule: 'date', message: `Date in sim/: the wall clock is not simulated; ${VIRTUAL_TIME}` },
  performance: {
    rule: 'performance',
    message: `performance in sim/: wall-clock timing; ${VIRTUAL_TIME}; measure speed in perf/`,
  },
  setTimeout: TIMER('setTimeout'),
  setInterval: TIMER('setInterval'),
  setImmediate: TIMER('setImmediate'),
  queueMicrotask: TIMER('queueMicrotask'),
  clearTimeout: TIMER('clearTimeout'),
  clearInterval: TIMER('clearInterval'),
  clearImmediate: TIMER('clearImmediate'),
  process: {
    rule: 'process',
    message: 'process in sim/: environment, argv, exit and stdio belong to the CLI; pass values ' +
      'in through the scenario or world options',
  },
  crypto: {
    rule: 'crypto',
    message: 'crypto in sim/: take randomness from the seeded Rng (sim/core/prng.ts) and ' +
      'hashes from sim/core/hash.ts',
  },
  globalThis: {
    rule: 'global-this',
    message: 'globalThis in sim/: no ambient state; hand dependencies to components explicitly',
  },
  global: {
    rule: 'global-this',
    message: 'global in sim/: no ambient state; hand dependencies to components explicitly',
  },
  require: {
    rule: 'require',
    message: 'require in sim/: use a static ESM import (from sim/ or the package allowlist)',
  },
  Promise: {
    rule: 'promise',
    message: 'Promise in sim/: microtasks run outside virtual time; model waiting as events ' +
      'on the EventLoop (sim/core/loop.ts)',
  },
  eval: { rule: 'eval', message: 'eval in sim/: no code from strings; write the code' },
  Intl: {
    rule: 'locale',
    message: 'Intl in sim/: output depends on the host ICU data; format explicitly ' +
      '(String(n), toFixed, padStart) and compare with < and >',
  },
  WeakRef: {
    rule: 'weak-ref',
    message: 'WeakRef in sim/: garbage-collection timing is not deterministic; hold strong ' +
      'references or explicit ids',
  },
  FinalizationRegistry: {
    rule: 'weak-ref',
    message: 'FinalizationRegistry in sim/: garbage-collection timing is not deterministic; ' +
      'release resources explicitly',
  },
  Buffer: { rule: 'node-global', message: `Buffer in sim/: ${EDGES}` },
  __dirname: { rule: 'node-global', message: `__dirname in sim/: ${EDGES}` },
  __filename: { rule: 'node-global', message: `__filename in sim/: ${EDGES}` },
  fetch: { rule: 'node-global', message: `fetch in sim/: ${EDGES}` },
};

const MATH_RANDOM: Ban = {
  rule: 'math-random',
  message: 'Math.random in sim/: take randomness from the seeded Rng handed to the component ' +
    '(sim/core/prng.ts)',
};
const ASYNC: Ban = {
  rule: 'async',
  message: 'async function or method in sim/: the simulator is synchronous; model waiting as ' +
    'events on the EventLoop (sim/core/loop.ts)',
};
const AWAIT: Ban = {
  rule: 'await',
  message: 'await in sim/: the simulator is synchronous; model waiting as events on the ' +
    'EventLoop (sim/core/loop.ts)',
};
const FOR_IN: Ban = {
  rule: 'for-in',
  message: 'for…in in sim/: walks inherited and string keys; use for…of over an array, a Map, ' +
    'or Object.keys(o) (sorted where order matters)',
};
const NEW_FUNCTION: Ban = {
  rule: 'eval',
  message: 'Function constructor in sim/: no code from strings; write the code',
};
const IMPORT_META: Ban = { rule: 'node-global', message: `import.meta in sim/: ${EDGES}` };
const MODULE_STATE: Ban = {
  rule: 'module-state',
  message: 'top-level let/var in sim/: module state leaks between worlds in one process; keep ' +
    'state in objects built at world construction',
};

function localeBan(name: string): Ban {
  return name === 'localeCompare'
    ? {
      rule: 'locale',
      message: 'localeCompare in sim/: order depends on the host ICU/locale; compare with < and ' +
        '> (code-unit order) and break ties on a unique key',
    }
    : {
      rule: 'locale',
      message: `${name} in sim/: output depends on the host locale; format explicitly ` +
        '(String(n), toFixed, padStart, toUpperCase)',
    };
}

function isLocaleMember(name: string): boolean {
  return name === 'localeCompare' || name.startsWith('toLocale');
}

// ---------------------------------------------------------------------------------------------
// Scopes: which names a file declares where, so a local `process` does not count as the global.

function isBlockScope(node: ts.Node): boolean {
  return ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) ||
    ts.isCaseBlock(node) || ts.isForStatement(node) || ts.isForInStatement(node) ||
    ts.isForOfStatement(node) || ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node);
}

function isFunctionScope(node: ts.Node): boolean {
  return ts.isSourceFile(node) || ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node);
}

function nearest(node: ts.Node, pick: (n: ts.Node) => boolean): ts.Node {
  let n: ts.Node = node;
  while (!pick(n) && n.parent !== undefined) n = n.parent;
  return n;
}

type Scopes = Map<ts.Node, Set<string>>;

function declare(scopes: Scopes, scope: ts.Node, name: ts.BindingName | undefined): void {
  if (name === undefined) return;
  if (ts.isIdentifier(name)) {
    const names = scopes.get(scope) ?? new Set<string>();
    names.add(name.text);
    scopes.set(scope, names);
    return;
  }
  for (const element of name.elements) {
    if (!ts.isOmittedExpression(element)) declare(scopes, scope, element.name);
  }
}

function declarationScope(node: ts.Node): [ts.Node, ts.BindingName | undefined] | undefined {
  const parent = node.parent;
  if (ts.isVariableDeclaration(node)) {
    if (ts.isCatchClause(parent)) return [parent, node.name];
    const blockScoped = (parent.flags & ts.NodeFlags.BlockScoped) !== 0;
    return [nearest(parent, blockScoped ? isBlockScope : isFunctionScope), node.name];
  }
  if (ts.isParameter(node)) return [parent, node.name];
  if (ts.isTypeParameterDeclaration(node)) {
    const owner = ts.isInferTypeNode(parent) ? nearest(parent, ts.isConditionalTypeNode) : parent;
    return [owner, node.name];
  }
  if (ts.isFunctionExpression(node) || ts.isClassExpression(node)) return [node, node.name];
  if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) ||
    ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) ||
    ts.isEnumDeclaration(node)) {
    return [nearest(parent, isBlockScope), node.name];
  }
  if (ts.isImportClause(node) || ts.isNamespaceImport(node) || ts.isImportSpecifier(node) ||
    ts.isImportEqualsDeclaration(node)) {
    return [node.getSourceFile(), node.name];
  }
  return undefined;
}

function collectScopes(sf: ts.SourceFile): Scopes {
  const scopes: Scopes = new Map();
  const visit = (node: ts.Node): void => {
    const found = declarationScope(node);
    if (found !== undefined) declare(scopes, found[0], found[1]);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return scopes;
}

function isShadowed(scopes: Scopes, id: ts.Identifier): boolean {
  for (let n: ts.Node | undefined = id.parent; n !== undefined; n = n.parent) {
    if (scopes.get(n)?.has(id.text) === true) return true;
  }
  return false;
}

/** Node kinds whose `name` declares something or is a key, never a read of a binding. */
const NAMING_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.PropertyAssignment, ts.SyntaxKind.PropertyDeclaration,
  ts.SyntaxKind.PropertySignature, ts.SyntaxKind.MethodDeclaration, ts.SyntaxKind.MethodSignature,
  ts.SyntaxKind.GetAccessor, ts.SyntaxKind.SetAccessor, ts.SyntaxKind.EnumMember,
  ts.SyntaxKind.EnumDeclaration, ts.SyntaxKind.VariableDeclaration, ts.SyntaxKind.Parameter,
  ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ClassDeclaration, ts.SyntaxKind.ClassExpression,
  ts.SyntaxKind.InterfaceDeclaration, ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.TypeParameter, ts.SyntaxKind.ModuleDeclaration, ts.SyntaxKind.ImportClause,
  ts.SyntaxKind.NamespaceImport, ts.SyntaxKind.NamespaceExport,
  ts.SyntaxKind.ImportEqualsDeclaration, ts.SyntaxKind.NamedTupleMember,
  ts.SyntaxKind.PropertyAccessExpression, ts.SyntaxKind.JsxAttribute,
]);

/** True when the identifier reads a binding (a value or a type), not a key or a declaration. */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isShorthandPropertyAssignment(p)) return p.name === id;
  if (ts.isQualifiedName(p)) return p.left === id;
  if (ts.isBindingElement(p)) return p.name !== id && p.propertyName !== id;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p)) return false;
  if (ts.isBreakOrContinueStatement(p) || ts.isLabeledStatement(p)) return p.label !== id;
  if (ts.isMetaProperty(p) || ts.isImportTypeNode(p)) return false;
  const named = p as ts.Node & { name?: ts.Node };
  return !(named.name === id && NAMING_KINDS.has(p.kind));
}

// ---------------------------------------------------------------------------------------------
// Module specifiers: every static, re-export, dynamic and type-level import in a file.

type ImportRef = { spec: string | undefined; node: ts.Node };

function literalText(node: ts.Node | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isLiteralTypeNode(node)) return literalText(node.literal);
  return undefined;
}

function importOf(node: ts.Node): ImportRef | undefined {
  if (ts.isImportDeclaration(node)) return { spec: literalText(node.moduleSpecifier), node };
  if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
    return { spec: literalText(node.moduleSpecifier), node };
  }
  if (ts.isImportEqualsDeclaration(node) &&
    ts.isExternalModuleReference(node.moduleReference)) {
    return { spec: literalText(node.moduleReference.expression), node };
  }
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
    return { spec: literalText(node.arguments[0]), node };
  }
  if (ts.isImportTypeNode(node)) return { spec: literalText(node.argument), node };
  return undefined;
}

const NODE_BUILTINS: ReadonlySet<string> = new Set(builtinModules);

function isNodeBuiltin(spec: string): boolean {
  if (spec.startsWith('node:')) return true;
  const slash = spec.indexOf('/');
  return NODE_BUILTINS.has(spec) || (slash > 0 && NODE_BUILTINS.has(spec.slice(0, slash)));
}

function isRelative(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' ||
    spec.startsWith('/');
}

function inPackages(spec: string, packages: readonly string[]): boolean {
  return packages.some((p) => spec === p || spec.startsWith(`${p}/`));
}

/** The sim/ module a repository-relative path belongs to, or undefined outside sim/. */
export function simModuleOf(relPath: string): string | undefined {
  if (!relPath.startsWith('sim/')) return undefined;
  const rest = relPath.slice('sim/'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

function describeModule(mod: string): string {
  return mod === 'index.ts' ? 'sim/index.ts' : `sim/${mod}`;
}

function allowedText(rule: ModuleRule): string {
  if (rule.allowed === 'any') return 'anything in sim/';
  const list = rule.allowed.length === 0 ? 'nothing' : rule.allowed.join(', ');
  return `${list} (and its own files)`;
}

type Emit = (node: ts.Node, ban: Ban) => void;

function checkSimImport(relPath: string, ref: ImportRef, test: boolean, emit: Emit): void {
  const spec = ref.spec;
  if (spec === undefined) {
    emit(ref.node, {
      rule: 'dynamic-import',
      message: 'import() with a computed specifier in sim/: imports must be static string ' +
        'literals so the import rules can check them',
    });
    return;
  }
  if (isNodeBuiltin(spec)) {
    const message = `import of '${spec}' in sim/: ${EDGES}`;
    if (!test) emit(ref.node, { rule: 'node-import', message });
    return;
  }
  if (!isRelative(spec)) {
    const packages = test ? [...SIM_PACKAGES, ...SIM_TEST_PACKAGES] : SIM_PACKAGES;
    if (!inPackages(spec, packages)) {
      emit(ref.node, {
        rule: 'package-import',
        message: `import of '${spec}' in sim/: sim/ may import only the packages ` +
          `${packages.join(', ')} (subpaths allowed); write it in sim/ or extend the ` +
          'allowlist in conformance/tidy.ts after review',
      });
    }
    return;
  }
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(relPath), spec));
  if (!target.startsWith('sim/')) {
    emit(ref.node, {
      rule: 'import-outside-sim',
      message: `import of '${spec}' leaves sim/ (resolves to ${target}): nothing in sim/ ` +
        'depends on cli/, scenarios/, conformance/, perf/ or reports/; move the shared code ' +
        'into sim/ or pass it in',
    });
    return;
  }
  checkDirection(relPath, spec, target, ref.node, emit);
}

function checkDirection(
  relPath: string, spec: string, target: string, node: ts.Node, emit: Emit,
): void {
  const from = simModuleOf(relPath);
  const to = simModuleOf(target);
  if (from === undefined || to === undefined || from === to) return;
  const rule = IMPORT_DIRECTIONS[from];
  if (rule === undefined || rule.allowed === 'any' || rule.allowed.includes(to)) return;
  const why = rule.why === undefined ? '' : `; ${rule.why}`;
  emit(node, {
    rule: 'import-direction',
    message: `sim/${from} imports ${describeModule(to)} ('${spec}'): sim/${from} may import ` +
      `only ${allowedText(rule)}${why}`,
  });
}

function checkOutsideImport(relPath: string, ref: ImportRef, emit: Emit): void {
  if (ref.spec === undefined || !isRelative(ref.spec)) return;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(relPath), ref.spec));
  if ((target === 'sim' || target.startsWith('sim/')) && target !== 'sim/index.ts') {
    emit(ref.node, {
      rule: 'sim-entry',
      message: `import of '${ref.spec}' reaches into sim/ (${target}): code outside sim/ ` +
        'imports sim only through sim/index.ts; export what you need from there',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Determinism bans on the AST.

function memberName(node: ts.Node): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  if (ts.isElementAccessExpression(node)) return literalText(node.argumentExpression);
  return undefined;
}

function isGlobalRef(node: ts.Node, name: string, scopes: Scopes): boolean {
  return ts.isIdentifier(node) && node.text === name && !isShadowed(scopes, node);
}

function hasAsync(node: ts.Node): boolean {
  if (!ts.canHaveModifiers(node)) return false;
  return (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

/** Destructuring `const { random } = Math` is Math.random by another name. */
function destructuresMathRandom(node: ts.Node, scopes: Scopes): boolean {
  if (!ts.isVariableDeclaration(node) || node.initializer === undefined) return false;
  if (!ts.isObjectBindingPattern(node.name)) return false;
  if (!isGlobalRef(node.initializer, 'Math', scopes)) return false;
  return node.name.elements.some((e) => {
    const key = e.propertyName ?? e.name;
    return ts.isIdentifier(key) && key.text === 'random';
  });
}

function isModuleState(node: ts.Node): boolean {
  if (!ts.isVariableStatement(node) || !ts.isSourceFile(node.parent)) return false;
  return (node.declarationList.flags & (ts.NodeFlags.Const | ts.NodeFlags.Using)) === 0;
}

function banFor(node: ts.Node, scopes: Scopes): Ban | undefined {
  if (ts.isIdentifier(node)) {
    const ban = Object.hasOwn(BANNED_GLOBALS, node.text) ? BANNED_GLOBALS[node.text] : undefined;
    return ban !== undefined && isReference(node) && !isShadowed(scopes, node) ? ban : undefined;
  }
  const member = memberName(node);
  if (member !== undefined) {
    const object = (node as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression;
    if (member === 'random' && isGlobalRef(object, 'Math', scopes)) return MATH_RANDOM;
    if (isLocaleMember(member)) return localeBan(member);
    return undefined;
  }
  if (hasAsync(node)) return ASYNC;
  if (ts.isAwaitExpression(node)) return AWAIT;
  if (ts.isForOfStatement(node) && node.awaitModifier !== undefined) return AWAIT;
  if (ts.isForInStatement(node)) return FOR_IN;
  if ((ts.isNewExpression(node) || ts.isCallExpression(node)) &&
    isGlobalRef(node.expression, 'Function', scopes)) {
    return NEW_FUNCTION;
  }
  if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
    return IMPORT_META;
  }
  if (destructuresMathRandom(node, scopes)) return MATH_RANDOM;
  if (isModuleState(node)) return MODULE_STATE;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Entry points.

function scriptKind(relPath: string): ts.ScriptKind {
  return /\.[cm]?js$/.test(relPath) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

/** Checks one file; relPath is relative to the repository root, with `/` separators. */
export function checkSource(
  relPath: string, text: string, options: CheckOptions = {},
): Violation[] {
  const sf = ts.createSourceFile(relPath, text, ts.ScriptTarget.Latest, true, scriptKind(relPath));
  const violations: Violation[] = [];
  const emitAt = (pos: number, ban: Ban): void => {
    violations.push({ path: relPath, line: lineOf(sf, pos), rule: ban.rule, message: ban.message });
  };
  const emit: Emit = (node, ban) => emitAt(node.getStart(sf), ban);
  const mod = simModuleOf(relPath);
  const test = /\.test\.[cm]?[jt]s$/.test(relPath);
  if (mod !== undefined && !Object.hasOwn(IMPORT_DIRECTIONS, mod)) {
    emitAt(0, {
      rule: 'sim-layout',
      message: `${relPath} is not in a known sim/ module: put it in one of the module folders ` +
        'or add the new module to IMPORT_DIRECTIONS in conformance/tidy.ts with its directions',
    });
  }
  if (mod !== undefined && !test) checkTypeDirectives(sf, emitAt);
  const scopes = mod !== undefined && !test ? collectScopes(sf) : undefined;
  const visit = (node: ts.Node): void => {
    const ref = importOf(node);
    if (ref !== undefined && mod !== undefined) checkSimImport(relPath, ref, test, emit);
    if (ref !== undefined && mod === undefined && options.simEntryEnforced === true) {
      checkOutsideImport(relPath, ref, emit);
    }
    const ban = scopes === undefined ? undefined : banFor(node, scopes);
    if (ban !== undefined) emit(node, ban);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return sortViolations(violations);
}

function checkTypeDirectives(sf: ts.SourceFile, emitAt: (pos: number, ban: Ban) => void): void {
  for (const ref of sf.typeReferenceDirectives) {
    if (ref.fileName === 'node' || ref.fileName.startsWith('node/')) {
      emitAt(ref.pos, {
        rule: 'node-import',
        message: `/// <reference types="${ref.fileName}" /> in sim/: ${EDGES}`,
      });
    }
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortViolations(violations: readonly Violation[]): Violation[] {
  return [...violations].sort((a, b) =>
    compareText(a.path, b.path) || a.line - b.line || compareText(a.rule, b.rule) ||
    compareText(a.message, b.message));
}

function listSources(rootDir: string, relDir: string, out: string[]): void {
  const abs = path.join(rootDir, relDir);
  if (!existsSync(abs)) return;
  const entries = readdirSync(abs, { withFileTypes: true })
    .map((e) => ({ name: e.name, dir: e.isDirectory(), file: e.isFile() }))
    .sort((a, b) => compareText(a.name, b.name));
  for (const entry of entries) {
    const rel = `${relDir}/${entry.name}`;
    if (entry.dir && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
      listSources(rootDir, rel, out);
    } else if (entry.file && SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
}

/** Checks sim/ and every folder that may import it; skips node_modules and dot folders. */
export function checkTree(rootDir: string): Violation[] {
  const simEntryEnforced = existsSync(path.join(rootDir, 'sim/index.ts'));
  const options: CheckOptions = { simEntryEnforced };
  const files: string[] = [];
  for (const dir of ['sim', ...OUTSIDE_ROOTS]) listSources(rootDir, dir, files);
  const violations = files.flatMap((rel) => {
    const text = readFileSync(path.join(rootDir, rel), 'utf8');
    return [...checkSource(rel, text, options), ...checkShape(rel, text)];
  });
  return sortViolations(violations);
}

/** One line per violation: `path:line rule message`. */
export function formatViolation(v: Violation): string {
  return `${v.path}:${v.line} ${v.rule} ${v.message}`;
}
