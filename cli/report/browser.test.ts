// The HTML report in a real browser: writes the fixture's report, opens report.html from the file
// system in headless Chromium (Debian's /usr/bin/chromium, or MESHSIM_CHROMIUM), and reads back the
// DOM after the page's own script has measured every plot (`data-rendered` on each figure: how many
// drawn elements have an area, and the extent of their union). Every plot must have drawn something;
// an empty run must draw nothing (so the check can fail); a script the page did not ship must not run
// (the Content-Security-Policy holds). The default scenario (`npm start`'s) is run through the real
// `meshsim run` path and its report checked the same way. Without Chromium the tests skip and say why.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { runScenario } from '../commands/run.ts';
import { emptyRecord, fixtureRecord } from './fixture.ts';
import { writeReport } from './write-report.ts';

const CHROMIUM = process.env.MESHSIM_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1200,900'];
const PLOTS = ['success-rate', 'requests', 'convergence', 'config-size', 'pushes'];

interface Rendered { elements: number; width: number; height: number; svgWidth: number; svgHeight: number }

/** Opens a file in headless Chromium with a fresh profile and returns the DOM after load. */
async function dumpDom(file: string, scratch: string): Promise<string> {
  const profile = mkdtempSync(path.join(scratch, 'profile-'));
  const { stdout } = await promisify(execFile)(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(file).href],
    { timeout: 90_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** The `data-rendered` of each figure, by its data-plot id. */
function renderedPlots(dom: string): Map<string, Rendered> {
  const out = new Map<string, Rendered>();
  for (const m of dom.matchAll(/<figure data-plot="([^"]+)" data-rendered="elements=(\d+) width=(\d+) height=(\d+) svg=(\d+)x(\d+)">/g)) {
    const [, id, elements, width, height, svgWidth, svgHeight] = m.map(String);
    out.set(id!, { elements: Number(elements), width: Number(width), height: Number(height), svgWidth: Number(svgWidth), svgHeight: Number(svgHeight) });
  }
  return out;
}

function scratchDir(t: { teardown: (f: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-browser-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

if (!existsSync(CHROMIUM)) {
  const reason = `${CHROMIUM} not found; install Debian's chromium (.ci/run does when it runs as root) or set MESHSIM_CHROMIUM`;
  console.log(`cli/report/browser.test.ts: skipped: ${reason}`);
  test.skip(`report.html renders its plots in headless Chromium (skipped: ${reason})`, () => {});
} else {
  test('report.html opens from the file system in Chromium and every plot draws something', async (t) => {
    const dir = scratchDir(t);
    const report = writeReport(fixtureRecord(), path.join(dir, 'report'));
    const dom = await dumpDom(path.join(report.dir, 'report.html'), dir);
    t.regex(dom, /<body data-css="applied">/, 'the page script ran and the stylesheet applied (both allowed by the CSP)');
    const plots = renderedPlots(dom);
    t.deepEqual([...plots.keys()], PLOTS, `every plot measured; DOM head: ${dom.slice(0, 300)}`);
    for (const [id, r] of plots) {
      t.true(r.elements > 0 && r.width > 0 && r.height > 0, `${id} drew data: ${JSON.stringify(r)}`);
      t.true(r.svgWidth > 300 && r.svgHeight > 100, `${id} is laid out on the page: ${JSON.stringify(r)}`);
    }
    t.is(plots.get('success-rate')?.elements, 4, 'one line per source → service pair');
    t.is(plots.get('convergence')?.elements, 2, 'sent and ACK curves');
    t.is(plots.get('config-size')?.elements, 20, '19 proxies and the rest');
    t.is(plots.get('pushes')?.elements, 6, 'six push buckets');
  });

  test('an empty run draws nothing, and the check says so', async (t) => {
    const dir = scratchDir(t);
    const report = writeReport(emptyRecord(), path.join(dir, 'report'));
    const plots = renderedPlots(await dumpDom(path.join(report.dir, 'report.html'), dir));
    t.deepEqual([...plots.keys()], PLOTS);
    for (const [id, r] of plots) t.is(r.elements, 0, id);
  });

  test('a script the report did not ship does not run (Content-Security-Policy)', async (t) => {
    const dir = scratchDir(t);
    const report = writeReport(fixtureRecord(), path.join(dir, 'report'));
    const page = path.join(report.dir, 'report.html');
    const tampered = path.join(dir, 'tampered.html');
    writeFileSync(tampered, readFileSync(page, 'utf8').replace('</main>', "</main><script>document.body.setAttribute('data-injected', 'ran')</script>"));
    const dom = await dumpDom(tampered, dir);
    t.regex(dom, /data-rendered="elements=[1-9]/, 'the shipped script still ran');
    t.notRegex(dom, /data-injected="ran"/);
  });

  test("the default scenario's report (npm start) renders every plot in Chromium", async (t) => {
    const dir = scratchDir(t);
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
    const scenario = /\brun\s+(\S+\.ya?ml)\b/.exec(start)?.[1];
    if (scenario === undefined) {
      t.fail(`npm start runs no scenario ("${start}"): nothing to check`);
      return;
    }
    const out = path.join(dir, 'default');
    let stdout = '';
    const code = runScenario(scenario, { out, quiet: true, progress: false }, (text) => { stdout += text; }, () => {});
    t.is(code, 0, `${scenario} passes its assertions:\n${stdout}`);
    t.true(stdout.includes(`report      ${out}/report.html`));
    const plots = renderedPlots(await dumpDom(path.join(out, 'report.html'), dir));
    t.deepEqual([...plots.keys()], PLOTS);
    for (const [id, r] of plots) t.true(r.elements > 0 && r.width > 0 && r.height > 0, `${id} of ${scenario} drew data: ${JSON.stringify(r)}`);
  });
}
