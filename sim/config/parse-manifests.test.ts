import test from 'ava';
import { CODES } from './diagnostic.ts';
import { listItem, parseManifest } from './parse-manifests.ts';

const parse = (text: string) => parseManifest({ path: 'mesh.yaml', text });

const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v2}
      weight: 20
`;

test('multi-document file: every ----separated document comes out, in file order (kubectl apply -f)', (t) => {
  const { documents, diagnostics } = parse('kind: A\n---\nkind: B\n---\nkind: C\n');
  t.deepEqual(diagnostics, []);
  t.deepEqual(documents.map((d) => d.value['kind']), ['A', 'B', 'C']);
  t.deepEqual(documents.map((d) => d.line), [1, 3, 5]);
  t.true(documents.every((d) => d.file === 'mesh.yaml' && d.column === 1));
});

test('empty documents, comment-only documents and a null document are skipped, as kubectl skips them', (t) => {
  const { documents, diagnostics } = parse('---\n---\n# nothing here\n---\n~\n---\nkind: A\n---\n');
  t.deepEqual(diagnostics, []);
  t.deepEqual(documents.map((d) => d.value), [{ kind: 'A' }]);
  t.is(documents[0]!.line, 7);
});

test('an empty file gives no documents and no diagnostics', (t) => {
  t.deepEqual(parse(''), { documents: [], diagnostics: [] });
});

test('field positions: spec.http[0].route[0].weight is at its key (1-based line and column)', (t) => {
  const [doc] = parse(VIRTUAL_SERVICE).documents;
  const at = (field: string) => {
    const location = doc!.fields.get(field);
    return location === undefined ? undefined : [location.line, location.column];
  };
  t.deepEqual(at('spec.http[0].route[0].weight'), [10, 7]);
  t.deepEqual(at('spec.http[0].route[1].weight'), [12, 7]);
  t.deepEqual(at('spec.http[0].route[1].destination.subset'), [11, 36]);
  t.deepEqual(at('metadata.name'), [4, 3]);
  t.deepEqual(at('spec.hosts[0]'), [6, 11]);
  t.deepEqual(at('apiVersion'), [1, 1]);
  t.is(doc!.fields.get('spec.http[0].route[2]'), undefined);
  t.true([...doc!.fields.values()].every((location) => location.file === 'mesh.yaml'));
});

test('field positions are relative to the file, not to the document', (t) => {
  const { documents } = parse(`kind: Other\n---\n${VIRTUAL_SERVICE}`);
  t.is(documents[1]!.line, 3);
  t.deepEqual(documents[1]!.fields.get('spec.http[0].route[0].weight'), { file: 'mesh.yaml', line: 12, column: 7 });
});

test('numeric map keys (PeerAuthentication portLevelMtls) get positions under their string form', (t) => {
  const [doc] = parse('kind: PeerAuthentication\nspec:\n  portLevelMtls:\n    9080:\n      mode: DISABLE\n').documents;
  t.deepEqual(doc!.value['spec'], { portLevelMtls: { '9080': { mode: 'DISABLE' } } });
  t.deepEqual(doc!.fields.get('spec.portLevelMtls.9080.mode'), { file: 'mesh.yaml', line: 5, column: 7 });
});

test('a YAML syntax error is reported (MS0001) for its document and does not hide the documents around it', (t) => {
  const { documents, diagnostics } = parse('kind: A\n---\nspec: [1, 2\n---\nkind: C\n');
  t.deepEqual(documents.map((d) => d.value['kind']), ['A', 'C']);
  t.is(diagnostics.length, 1);
  t.is(diagnostics[0]!.code, CODES.yamlSyntax);
  t.is(diagnostics[0]!.severity, 'error');
  t.regex(diagnostics[0]!.message, /^YAML syntax error: .*\.$/);
  t.false(diagnostics[0]!.message.includes('\n'), 'the code excerpt of the yaml library is cut off');
});

test('duplicate keys in one mapping are a YAML error (kubectl strict decoding rejects them)', (t) => {
  const { documents, diagnostics } = parse('kind: A\nspec: {}\nspec: {}\n---\nkind: B\n');
  t.deepEqual(documents.map((d) => d.value['kind']), ['B']);
  t.deepEqual(diagnostics.map((d) => d.code), [CODES.yamlSyntax]);
});

test('a YAML error points at the line where it is, not at the top of the file', (t) => {
  const { diagnostics } = parse('kind: A\n---\nkind: B\n---\nkind: Service\nx: 1\nx: 3\n');
  t.is(diagnostics.length, 1);
  t.is(diagnostics[0]!.line, 7);
  const unclosed = parse('kind: A\n---\nkind: B\nspec:\n  hosts: [a, b\n---\nkind: C\n').diagnostics;
  t.is(unclosed.length, 1);
  t.true(unclosed[0]!.line >= 5 && unclosed[0]!.line <= 6, `line ${unclosed[0]!.line}`);
});

test('an alias to an undefined anchor is a diagnostic at the alias, not an exception; other documents are kept', (t) => {
  const { documents, diagnostics } = parse('kind: A\n---\nkind: B\nspec: *nowhere\n---\nkind: C\n');
  t.deepEqual(documents.map((d) => d.value['kind']), ['A', 'C']);
  t.deepEqual(diagnostics.map((d) => [d.code, d.line, d.column]), [[CODES.yamlSyntax, 4, 7]]);
});

test('an alias bomb (more aliases than the limit) is a diagnostic for its document, not an exception', (t) => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  let previous = 'a';
  for (const name of ['b', 'c', 'd', 'e', 'f']) {
    lines.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(', ')}]`);
    previous = name;
  }
  const { documents, diagnostics } = parse(`kind: A\n---\n${lines.join('\n')}\n---\nkind: C\n`);
  t.deepEqual(documents.map((d) => d.value['kind']), ['A', 'C']);
  t.deepEqual(diagnostics.map((d) => [d.code, d.line]), [[CODES.yamlSyntax, 3]]);
});

test('a few aliases within the limit resolve to copies of the anchored value', (t) => {
  const [doc] = parse('labels: &l {app: web}\nselector: *l\nkind: A\n').documents;
  t.deepEqual(doc!.value, { labels: { app: 'web' }, selector: { app: 'web' }, kind: 'A' });
});

test('a document that is a list is MS0002 at its first line; the next document is still read', (t) => {
  const { documents, diagnostics } = parse('kind: A\n---\n- kind: B\n- kind: C\n---\nkind: D\n');
  t.deepEqual(documents.map((d) => d.value['kind']), ['A', 'D']);
  t.is(diagnostics.length, 1);
  t.like(diagnostics[0], { code: CODES.notAnObject, severity: 'error', line: 3, column: 1, file: 'mesh.yaml', resource: null });
  t.regex(diagnostics[0]!.message, /list/);
});

test('a document that is a scalar is MS0002 too, named by its type', (t) => {
  const { documents, diagnostics } = parse('"just text"\n---\n42\n');
  t.deepEqual(documents, []);
  t.deepEqual(diagnostics.map((d) => [d.code, d.line]), [[CODES.notAnObject, 1], [CODES.notAnObject, 3]]);
  t.regex(diagnostics[0]!.message, /string/);
  t.regex(diagnostics[1]!.message, /number/);
});

test('the same text always parses to the same documents and positions', (t) => {
  const a = parse(VIRTUAL_SERVICE).documents[0]!;
  const b = parse(VIRTUAL_SERVICE).documents[0]!;
  t.deepEqual([...a.fields.entries()], [...b.fields.entries()]);
  t.deepEqual(a.value, b.value);
});

const LIST = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: first}
- apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata:
    name: second
  spec:
    hosts: [second]
`;

test('listItem re-roots the field positions of items[i] so paths start at the item', (t) => {
  const [list] = parse(LIST).documents;
  const items = list!.value['items'] as Record<string, unknown>[];
  const second = listItem(list!, 1, items[1]!);
  t.is(second.value, items[1]!);
  t.is(second.file, 'mesh.yaml');
  t.deepEqual([second.line, second.column], [7, 3]);
  t.deepEqual(second.fields.get('kind'), { file: 'mesh.yaml', line: 8, column: 3 });
  t.deepEqual(second.fields.get('metadata.name'), { file: 'mesh.yaml', line: 10, column: 5 });
  t.deepEqual(second.fields.get('spec.hosts[0]'), { file: 'mesh.yaml', line: 12, column: 13 });
  t.deepEqual([...second.fields.keys()].filter((key) => key.startsWith('items')), []);
  // Nothing of the first item leaks into the second.
  const first = listItem(list!, 0, items[0]!);
  t.deepEqual(first.fields.get('metadata.name'), { file: 'mesh.yaml', line: 6, column: 14 });
  t.false(first.fields.has('spec'));
  t.deepEqual([first.line, first.column], [4, 3]);
});

test('listItem does not confuse items[1] with items[10]', (t) => {
  const items = Array.from({ length: 11 }, (_, index) => `- {kind: K, n: ${index}}`).join('\n');
  const [list] = parse(`kind: List\nitems:\n${items}\n`).documents;
  const value = (list!.value['items'] as Record<string, unknown>[])[1]!;
  const item = listItem(list!, 1, value);
  t.is(item.fields.get('n')?.line, 4);
  t.is(item.line, 4);
});
