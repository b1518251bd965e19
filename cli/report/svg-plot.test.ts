import test from 'ava';
import { escapeXml, frame, legendSvg, linePath, marksSvg, niceAxis, num, rectSvg, stepPath, sx, sy } from './svg-plot.ts';

test('escapeXml escapes the five XML specials', (t) => {
  t.is(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('niceAxis puts ticks on 1/2/5 steps and widens to them unless fixed', (t) => {
  const a = niceAxis(0, 87, 'x');
  t.is(a.max, 100);
  t.deepEqual(a.ticks.map((k) => k.label), ['0', '20', '40', '60', '80', '100']);
  const fixed = niceAxis(0, 30, 't', { fixed: true, target: 10 });
  t.is(fixed.max, 30);
  t.deepEqual(fixed.ticks.map((k) => k.label), ['0', '5', '10', '15', '20', '25', '30']);
  const small = niceAxis(99, 100, 'rate', { fixed: true, suffix: '%' });
  t.deepEqual(small.ticks.map((k) => k.label), ['99.0%', '99.2%', '99.4%', '99.6%', '99.8%', '100.0%']);
  const flat = niceAxis(0, 0, 'none');
  t.true(flat.max > flat.min, 'an empty range still gets an axis');
});

test('coordinates are rounded to 0.1 px and map the axes onto the plot area', (t) => {
  t.is(num(1.04999), '1');
  t.is(num(-0.01), '0');
  t.is(num(2.25), '2.3');
  const f = frame(niceAxis(0, 10, 'x', { fixed: true }), niceAxis(0, 100, 'y', { fixed: true }));
  t.is(sx(f, 0), f.left);
  t.is(sx(f, 10), f.width - f.right);
  t.is(sy(f, 0), f.height - f.bottom);
  t.is(sy(f, 100), f.top);
});

test('series are data paths with gaps between segments; nothing drawn for no points', (t) => {
  const f = frame(niceAxis(0, 10, 'x', { fixed: true }), niceAxis(0, 10, 'y', { fixed: true }));
  const path = linePath(f, [[[0, 0], [1, 1]], [[5, 5]]], { colour: '#000', title: 'a<b' });
  t.regex(path, /^<path class="data series" d="M70 274L\d+(\.\d)? [\d.]+M[\d.]+ [\d.]+h6" stroke="#000"><title>a&lt;b<\/title><\/path>$/, 'a lone point is a short dash');
  t.is(linePath(f, [[]], { colour: '#000', title: 'x' }), '');
  t.is(stepPath(f, [], { colour: '#000', title: 'x' }), '');
  t.regex(stepPath(f, [[1, 5], [2, 10]], { colour: '#000', title: 'x' }), /d="M[\d.]+ 274H[\d.]+V[\d.]+H[\d.]+V16"/);
  t.is(rectSvg(0, 0, 0, 10, '#000', 'empty'), '');
});

test('marks outside the axis are skipped; labels are escaped and cut with the full text kept', (t) => {
  const f = frame(niceAxis(0, 10, 'x', { fixed: true }), niceAxis(0, 1, 'y', { fixed: true }));
  const long = `apply <VirtualService> ${'x'.repeat(60)}`;
  const svg = marksSvg(f, [{ at: 5, label: long }, { at: 11, label: 'after the end' }]);
  t.is((svg.match(/<line class="mark"/g) ?? []).length, 1);
  t.false(svg.includes('after the end'));
  t.true(svg.includes('apply &lt;VirtualService&gt; xxx'));
  t.true(svg.includes('…<title>'));
  t.true(svg.includes(`<title>${escapeXml(long)}</title>`));
});

test('legend rows grow with the number of entries', (t) => {
  const f = frame(niceAxis(0, 1, 'x'), niceAxis(0, 1, 'y'));
  const one = legendSvg(f, [{ label: 'a', colour: '#000' }]);
  const many = legendSvg(f, Array.from({ length: 12 }, (_, i) => ({ label: `series ${i} with a long enough name`, colour: '#000' })));
  t.true(many.height > one.height);
  t.deepEqual(legendSvg(f, []), { svg: '', height: 0 });
});
