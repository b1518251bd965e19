import { createHash } from 'node:crypto';
import test from 'ava';
import { emptyRecord, fixtureRecord } from './fixture.ts';
import { CONTENT_SECURITY_POLICY, htmlReport } from './html-report.ts';
import { BARS_MAX } from './report-plots.ts';

const html = htmlReport(fixtureRecord());
const PLOTS = ['success-rate', 'requests', 'convergence', 'config-size', 'pushes'];

/** The markup of each figure, by its data-plot id. */
function figures(page: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of page.matchAll(/<figure data-plot="([^"]+)">([\s\S]*?)<\/figure>/g)) out.set(m[1]!, m[2]!);
  return out;
}

const count = (text: string, re: RegExp): number => (text.match(re) ?? []).length;

test('the page loads nothing from anywhere: no external scripts, styles, fonts, images or frames', (t) => {
  t.notRegex(html, /<(link|img|iframe|object|embed|base)\b/i);
  t.notRegex(html, /\bsrc\s*=/i);
  t.notRegex(html, /@import|url\(/i);
  t.notRegex(html, /https?:|\/\/[a-z]/i, 'no URLs at all');
  t.is(count(html, /<script\b/g), 1);
  t.is(count(html, /<style\b/g), 1);
  for (const m of html.matchAll(/href="([^"]*)"/g)) t.regex(m[1]!, /^[a-z]+\.(csv|prom|json)$/, 'links only to files beside it');
});

test("the Content-Security-Policy allows exactly the page's own style and script, by hash", (t) => {
  const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  t.true(html.includes(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY.replaceAll("'", '&#39;')}">`));
  t.true(CONTENT_SECURITY_POLICY.startsWith("default-src 'none';"));
  t.true(CONTENT_SECURITY_POLICY.includes(`style-src ${sha(style)}`));
  t.true(CONTENT_SECURITY_POLICY.includes(`script-src ${sha(script)}`));
  t.false(CONTENT_SECURITY_POLICY.includes('unsafe'));
});

test('every string from the record is escaped', (t) => {
  t.false(html.includes('<script>alert(1)'));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.true(html.includes('<h1>fixture canary &lt;v2&gt; &amp; &quot;quotes&quot;</h1>'));
  t.true(html.includes('scenarios/fixture &amp; &lt;canary&gt;.yaml'));
  t.true(html.includes('apply DestinationRule catalog &amp; &quot;subsets&quot;'));
  t.notRegex(html.replace(/<script>[\s\S]*?<\/script>/, ''), /&(?!(amp|lt|gt|quot|#39);)/, 'no bare ampersand');
});

test('the header and verdicts table show scenario, seed, duration and PASS/FAIL per assertion', (t) => {
  t.regex(html, /<dt>seed<\/dt><dd>7<\/dd>/);
  t.regex(html, /<dt>duration<\/dt><dd>30 s simulated, sampled every 1 s<\/dd>/);
  t.regex(html, /<h2>Assertions: 1 failed<\/h2>/);
  t.regex(html, /<tr><td class="pass">PASS<\/td><td>no NC after the DestinationRule<\/td>/);
  t.regex(html, /<tr><td class="fail">FAIL<\/td><td>frontend → catalog success &lt;script&gt;/);
  t.regex(html, /<title>meshsim run: .* \(seed 7\) — 1 failed<\/title>/);
});

test('all five plots are there, with axes, legends and drawn data; time plots carry the three marks', (t) => {
  const figs = figures(html);
  t.deepEqual([...figs.keys()], PLOTS);
  for (const [id, fig] of figs) {
    t.true(count(fig, /class="data /g) > 0, `${id} draws data`);
    t.true(count(fig, /class="tick"/g) >= 2, `${id} has ticks`);
    t.true(count(fig, /class="axis-title"/g) === 2, `${id} has axis titles`);
    t.true(fig.includes('<g class="legend">'), `${id} has a legend`);
    t.true(fig.includes('<figcaption>'), `${id} has a caption`);
  }
  for (const id of ['success-rate', 'requests', 'pushes']) t.is(count(figs.get(id)!, /<line class="mark"/g), 3, id);
  t.is(count(figs.get('success-rate')!, /class="data series"/g), 4, 'one line per pair');
  t.is(count(figs.get('requests')!, /class="data series"/g), 4, 'one line per outcome');
  t.is(count(figs.get('convergence')!, /class="data series"/g), 2, 'sent and ACK');
  t.is(count(figs.get('config-size')!, /class="data bar"/g), BARS_MAX, 'top bars plus one for the rest');
  t.true(figs.get('config-size')!.includes('11 more proxies (mean)'));
  t.is(count(figs.get('pushes')!, /class="data bar"/g), 6, 'one bar per push bucket');
});

test('an empty run draws no data and says so in each plot', (t) => {
  const figs = figures(htmlReport(emptyRecord()));
  t.is(figs.size, 5);
  for (const [id, fig] of figs) {
    t.is(count(fig, /class="data /g), 0, id);
    t.regex(fig, /<text class="note"[^>]*>no /, id);
  }
});

test('the same record gives the same page, with no dates in it', (t) => {
  t.is(htmlReport(fixtureRecord()), html);
  t.notRegex(html, /\b20\d\d-\d\d-\d\d\b/);
});
