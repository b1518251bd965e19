import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { formatLabels, labelSelectorMatches, matchesLabels, serviceSelects } from './selectors.ts';

const pod = { app: 'reviews', version: 'v1', empty: '' };

test('matchesLabels: every wanted pair must be carried; extra labels do not matter', (t) => {
  t.true(matchesLabels({ app: 'reviews' }, pod));
  t.true(matchesLabels({ app: 'reviews', version: 'v1' }, pod));
  t.false(matchesLabels({ app: 'reviews', version: 'v2' }, pod));
  t.false(matchesLabels({ team: 'x' }, pod));
});

test('matchesLabels: absent or empty wanted labels match everything (Istio selector / workloadSelector semantics)', (t) => {
  t.true(matchesLabels(undefined, pod));
  t.true(matchesLabels({}, pod));
  t.true(matchesLabels({}, {}));
});

test('matchesLabels: a wanted empty value needs the key present with an empty value (k8s Equals requires the key)', (t) => {
  t.true(matchesLabels({ empty: '' }, pod));
  t.false(matchesLabels({ missing: '' }, pod));
});

test('matchesLabels: keys named like Object.prototype members are plain keys', (t) => {
  t.false(matchesLabels({ toString: 'x' }, {}));
  t.false(matchesLabels({ constructor: 'x' }, { app: 'a' }));
  t.true(matchesLabels({ constructor: 'x' }, { constructor: 'x' }));
});

test('serviceSelects: a Service with an empty or absent selector selects no pods (its endpoints are managed by hand)', (t) => {
  t.false(serviceSelects(undefined, pod));
  t.false(serviceSelects({}, pod));
  t.true(serviceSelects({ app: 'reviews' }, pod));
  t.false(serviceSelects({ app: 'ratings' }, pod));
});

test('LabelSelector: an absent or empty selector selects everything (metav1.LabelSelector {})', (t) => {
  t.true(labelSelectorMatches(undefined, pod));
  t.true(labelSelectorMatches({}, pod));
  t.true(labelSelectorMatches({ matchLabels: {}, matchExpressions: [] }, {}));
});

test('LabelSelector: matchLabels and matchExpressions are ANDed', (t) => {
  const selector = { matchLabels: { app: 'reviews' }, matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] };
  t.true(labelSelectorMatches(selector, pod));
  t.false(labelSelectorMatches(selector, { app: 'reviews', version: 'v3' }));
  t.false(labelSelectorMatches(selector, { app: 'ratings', version: 'v1' }));
});

// Rows: [operator, values, labels, expected, rule] (k8s.io/apimachinery/pkg/labels Requirement.Matches).
const OPERATOR_ROWS: readonly [string, string[] | undefined, Record<string, string>, boolean, string][] = [
  ['In', ['v1', 'v2'], { version: 'v1' }, true, 'In: value in the set'],
  ['In', ['v1', 'v2'], { version: 'v3' }, false, 'In: value not in the set'],
  ['In', ['v1'], {}, false, 'In: an absent key never matches'],
  ['NotIn', ['v1'], { version: 'v2' }, true, 'NotIn: value outside the set'],
  ['NotIn', ['v1'], { version: 'v1' }, false, 'NotIn: value in the set'],
  ['NotIn', ['v1'], {}, true, 'NotIn: an absent key matches'],
  ['Exists', undefined, { version: '' }, true, 'Exists: key present, even with an empty value'],
  ['Exists', undefined, {}, false, 'Exists: key absent'],
  ['DoesNotExist', undefined, {}, true, 'DoesNotExist: key absent'],
  ['DoesNotExist', undefined, { version: 'v1' }, false, 'DoesNotExist: key present'],
  ['in', ['v1'], { version: 'v1' }, false, 'operators are case-sensitive: "in" is not an operator'],
  ['Gt', ['1'], { version: '2' }, false, 'Gt/Lt are node-selector operators, not label-selector ones'],
];

for (const [operator, values, labels, expected, rule] of OPERATOR_ROWS) {
  test(`matchExpressions ${rule}`, (t) => {
    const requirement = values === undefined ? { key: 'version', operator } : { key: 'version', operator, values };
    t.is(labelSelectorMatches({ matchExpressions: [requirement] }, labels), expected);
  });
}

test('matchExpressions: an absent key with NotIn does not see a prototype member of the same name', (t) => {
  t.true(labelSelectorMatches({ matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] }, {}));
  t.false(labelSelectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}));
});

test('formatLabels: key=value pairs joined by commas, keys in code-unit order', (t) => {
  t.is(formatLabels({ version: 'v1', app: 'reviews', Zone: 'a' }), 'Zone=a,app=reviews,version=v1');
  t.is(formatLabels({}), '');
  t.is(formatLabels(undefined), '');
});

const labelsArb = fc.dictionary(fc.constantFrom('app', 'version', 'zone', 'team'), fc.constantFrom('a', 'b', ''), { maxKeys: 4 });

testProp('matchesLabels(wanted, labels) holds exactly when labels include wanted', [labelsArb, labelsArb], (t, wanted, labels) => {
  const expected = Object.entries(wanted).every(([key, value]) => Object.hasOwn(labels, key) && labels[key] === value);
  t.is(matchesLabels(wanted, labels), expected);
  t.true(matchesLabels(wanted, { ...labels, ...wanted }));
});

testProp('a LabelSelector with only matchLabels agrees with matchesLabels', [labelsArb, labelsArb], (t, wanted, labels) => {
  t.is(labelSelectorMatches({ matchLabels: wanted }, labels), matchesLabels(wanted, labels));
});
