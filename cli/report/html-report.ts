/**
 * report.html: one self-contained page for a run — header (scenario, seed, duration), the assertions'
 * verdicts, requests by outcome and pair, and the five plots as inline SVG.
 *
 * Invariants: opens from the file system with no network: no external scripts, styles, fonts or
 * images, and a Content-Security-Policy (default-src 'none', the one style and one script allowed by
 * their SHA-256) that makes the browser refuse anything else, including script smuggled in by a
 * name. Every string from the record is escaped. No dates: the same record gives the same bytes.
 * The one inline script only measures: it writes each plot's drawn extent into `data-rendered`
 * (`elements=N width=W height=H svg=WxH`: data elements with a non-empty geometry, and the union of
 * their boxes widened by half their stroke, i.e. the ink) and `data-css` on <body>, which the browser
 * test reads.
 *
 * Not modelled: interactivity beyond <title> tooltips; dark mode.
 */
import { createHash } from 'node:crypto';
import type { RunRecord } from '../../sim/index.ts';
import { reportPlots, type Plot } from './report-plots.ts';
import { durationText, percentText } from './report-math.ts';
import { summarizeRun, type RunSummary } from './summary.ts';
import { escapeXml as esc } from './svg-plot.ts';

export const REPORT_CSS = `:root { --meshsim-css: 1; color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; margin: 0 auto; max-width: 1000px; padding: 16px 20px 40px; color: #1a1a1a; background: #fff; line-height: 1.4; }
h1 { font-size: 1.5em; margin: 0.2em 0; overflow-wrap: anywhere; }
h2 { font-size: 1.15em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0.5em 0; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #0a6b2e; font-weight: 600; } .fail { color: #b00020; font-weight: 600; }
figure { margin: 1.4em 0; } figcaption { color: #444; font-size: 0.9em; margin-top: 0.3em; }
figure h3 { font-size: 1em; margin: 0 0 0.3em; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
.series { fill: none; stroke-width: 2; stroke-linejoin: round; }
.grid { stroke: #e6e6e6; stroke-width: 1; } .axis { stroke: #333; stroke-width: 1; }
.tick { font-size: 12px; fill: #333; } .axis-title { font-size: 12px; fill: #222; }
.legend-label { font-size: 12px; fill: #222; } .swatch { stroke-width: 3; }
.mark { stroke: #555; stroke-width: 1; stroke-dasharray: 4 3; }
.mark-label { font-size: 11px; fill: #222; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.note { font-size: 14px; fill: #777; }
ul.files { padding-left: 1.2em; }`;

/** Measures every plot after layout and writes what it found; the page works without it. */
export const MEASURE_SCRIPT = `(function () {
  var figures = document.querySelectorAll('figure[data-plot]');
  for (var i = 0; i < figures.length; i++) {
    var svg = figures[i].querySelector('svg');
    var drawn = svg ? svg.querySelectorAll('.data') : [];
    var n = 0, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var j = 0; j < drawn.length; j++) {
      var b = drawn[j].getBBox();
      if (!(b.width > 0 || b.height > 0)) continue;
      var style = getComputedStyle(drawn[j]);
      var half = style.stroke === 'none' ? 0 : (parseFloat(style.strokeWidth) || 0) / 2;
      n++; x0 = Math.min(x0, b.x - half); y0 = Math.min(y0, b.y - half);
      x1 = Math.max(x1, b.x + b.width + half); y1 = Math.max(y1, b.y + b.height + half);
    }
    var box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    figures[i].setAttribute('data-rendered', 'elements=' + n + ' width=' + (n ? Math.round(x1 - x0) : 0) +
      ' height=' + (n ? Math.round(y1 - y0) : 0) + ' svg=' + Math.round(box.width) + 'x' + Math.round(box.height));
  }
  var css = getComputedStyle(document.documentElement).getPropertyValue('--meshsim-css').trim();
  document.body.setAttribute('data-css', css === '1' ? 'applied' : 'missing');
})();`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page's policy: nothing from anywhere, but its own style and script. */
export const CONTENT_SECURITY_POLICY =
  `default-src 'none'; style-src ${sha256(REPORT_CSS)}; script-src ${sha256(MEASURE_SCRIPT)}; base-uri 'none'; form-action 'none'`;

function factsHtml(record: RunRecord, s: RunSummary): string {
  const facts: [string, string][] = [
    ['scenario file', record.file],
    ['seed', String(record.seed)],
    ['duration', `${durationText(record.durationUs)} simulated, sampled every ${durationText(record.sampleUs)}`],
    ['requests', `${s.requests} (${percentText(s.succeeded, s.requests)} succeeded)`],
    ['pushes', `${s.pushes.total} (${s.pushes.full} full, ${s.pushes.incremental} incremental), ${s.pushes.proxyUpdates} proxy updates, ${s.pushes.nacked} NACKed`],
    ['events', String(record.events)],
    ['trace hash', record.traceHash],
  ];
  return `<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function verdictsHtml(record: RunRecord): string {
  if (record.assertions.length === 0) return '<p>This scenario asserts nothing.</p>';
  const rows = record.assertions.map((a) => `<tr><td class="${a.passed ? 'pass' : 'fail'}">${a.passed ? 'PASS' : 'FAIL'}</td>` +
    `<td>${esc(a.name)}</td><td class="num">${esc(String(a.actual))}</td><td>${esc(a.op)}</td>` +
    `<td class="num">${esc(String(a.expected))}</td><td>${esc(a.message)}</td></tr>`);
  return `<table class="verdicts"><thead><tr><th>result</th><th>assertion</th><th class="num">measured</th><th>op</th>` +
    `<th class="num">expected</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Rows shown in the page's tables before "N more"; the CSV files have everything. */
export const TABLE_ROWS_MAX = 25;

function trafficHtml(s: RunSummary): string {
  if (s.requests === 0) return '<p>No requests in this run.</p>';
  const outcomes = s.outcomes.slice(0, TABLE_ROWS_MAX).map((o) =>
    `<tr><td class="num">${o.code}</td><td>${esc(o.flags)}</td><td class="num">${o.requests}</td><td class="num">${esc(percentText(o.requests, s.requests))}</td></tr>`);
  const pairs = s.pairs.slice(0, TABLE_ROWS_MAX).map((p) =>
    `<tr><td>${esc(p.pair)}</td><td class="num">${p.requests}</td><td class="num">${esc(percentText(p.succeeded, p.requests))}</td></tr>`);
  const more = (n: number, what: string) => (n > 0 ? `<p>${n} more ${what} in requests.csv.</p>` : '');
  return `<table><thead><tr><th class="num">code</th><th>flags</th><th class="num">requests</th><th class="num">share</th></tr></thead><tbody>${outcomes.join('')}</tbody></table>` +
    more(s.outcomes.length - TABLE_ROWS_MAX, 'outcomes') +
    `<table><thead><tr><th>source → destination service (worst first)</th><th class="num">requests</th><th class="num">success</th></tr></thead><tbody>${pairs.join('')}</tbody></table>` +
    more(s.pairs.length - TABLE_ROWS_MAX, 'pairs');
}

function figureHtml(plot: Plot): string {
  return `<figure data-plot="${esc(plot.id)}"><h3>${esc(plot.title)}</h3>${plot.svg}<figcaption>${esc(plot.caption)}</figcaption></figure>`;
}

/** The files written beside report.html, listed (and linked, relative) at the page's end. */
export const REPORT_FILE_NOTES: readonly (readonly [file: string, what: string])[] = [
  ['requests.csv', 'requests per bucket by source, destination, service, code and flags'],
  ['pushes.csv', 'every push: start, debounce, full or incremental, reasons, configs, generation time'],
  ['convergence.csv', 'every proxy update of every push: queue, sent and ACK times, types, NACK, bytes'],
  ['proxies.csv', 'each proxy at the end: config counts and size, last ACKed push per type, NACKs'],
  ['metrics.prom', 'Istio metric names in Prometheus text format, totals at the end of the run'],
  ['summary.json', 'the summary printed on stdout, as JSON'],
];

/** Marks a page as meshsim's, so writeReport knows a folder it may replace. */
export const GENERATOR_META = '<meta name="generator" content="meshsim">';

export function htmlReport(record: RunRecord): string {
  const s = summarizeRun(record);
  const verdict = s.assertions.failed > 0 ? `${s.assertions.failed} failed` : record.assertions.length > 0 ? 'all passed' : 'no assertions';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CONTENT_SECURITY_POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
${GENERATOR_META}
<title>${esc(`meshsim run: ${record.scenario} (seed ${record.seed}) — ${verdict}`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${esc(record.scenario)}</h1>
${factsHtml(record, s)}
</header>
<main>
<h2>Assertions: ${esc(verdict)}</h2>
${verdictsHtml(record)}
<h2>Requests</h2>
${trafficHtml(s)}
<h2>Plots</h2>
${reportPlots(record).map(figureHtml).join('\n')}
<h2>Files</h2>
<ul class="files">${REPORT_FILE_NOTES.map(([f, what]) => `<li><a href="${esc(f)}">${esc(f)}</a>: ${esc(what)}</li>`).join('')}</ul>
</main>
<script>${MEASURE_SCRIPT}</script>
</body>
</html>
`;
}
