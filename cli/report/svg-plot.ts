/**
 * Inline SVG plotting, small and deterministic: nice axes with ticks and titles, line and step series,
 * bars, labelled vertical marks and a legend. The HTML report draws its plots with these.
 *
 * Invariants: every string that reaches the markup goes through escapeXml; coordinates are rounded to
 * 0.1 px and tick labels come from toFixed, so the same data gives the same bytes; drawn data carries
 * class="data" (what the report's render check measures), everything else does not.
 *
 * Not modelled: interaction (zoom, hover beyond <title> tooltips), log scales, text measurement (long
 * labels are cut to a character budget with the full text in a <title>).
 */

/** Text for XML/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** Okabe–Ito colours (readable by colour-blind readers), then greys; series past these get dashes. */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#555555', '#000000'];

export const colourAt = (i: number): string => PALETTE[i % PALETTE.length] ?? '#000000';

export interface Tick {
  readonly at: number;
  readonly label: string;
}

export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly Tick[];
  readonly title: string;
}

function niceStep(range: number, target: number): number {
  const raw = range / target;
  const base = 10 ** Math.floor(Math.log10(raw));
  const f = raw / base;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * base;
}

/**
 * An axis over [min, max] with about `target` ticks at 1/2/5 steps. `fixed` keeps min and max as given
 * (time axes end at the run's end); otherwise they widen to the enclosing ticks.
 */
export function niceAxis(min: number, max: number, title: string, options: { target?: number; fixed?: boolean; suffix?: string } = {}): Axis {
  const top = max > min ? max : min + 1;
  const step = niceStep(top - min, options.target ?? 5);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const lo = options.fixed === true ? min : Math.floor(min / step + 1e-9) * step;
  const hi = options.fixed === true ? top : Math.ceil(top / step - 1e-9) * step;
  const ticks: Tick[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const at = k * step;
    ticks.push({ at, label: `${(at === 0 ? 0 : at).toFixed(decimals)}${options.suffix ?? ''}` });
  }
  return { min: lo, max: hi, ticks, title };
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly x: Axis;
  readonly y: Axis;
}

export function frame(x: Axis, y: Axis, options: Partial<Omit<Frame, 'x' | 'y'>> = {}): Frame {
  return { width: 960, height: 320, left: 70, right: 24, top: 16, bottom: 46, ...options, x, y };
}

/** A coordinate rounded to 0.1 px, as text. */
export function num(v: number): string {
  const r = Math.round(v * 10) / 10;
  return String(r === 0 ? 0 : r);
}

export const plotWidth = (f: Frame): number => f.width - f.left - f.right;
export const plotHeight = (f: Frame): number => f.height - f.top - f.bottom;
export const sx = (f: Frame, v: number): number => f.left + ((v - f.x.min) / (f.x.max - f.x.min)) * plotWidth(f);
export const sy = (f: Frame, v: number): number => f.height - f.bottom - ((v - f.y.min) / (f.y.max - f.y.min)) * plotHeight(f);

/** Cuts text to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Grid, axis lines, ticks with labels, axis titles. */
export function axesSvg(f: Frame, options: { xGrid?: boolean } = {}): string {
  const x0 = f.left;
  const x1 = f.width - f.right;
  const y0 = f.height - f.bottom;
  const y1 = f.top;
  const parts: string[] = ['<g class="axes">'];
  for (const t of f.y.ticks) {
    const y = num(sy(f, t.at));
    parts.push(`<line class="grid" x1="${num(x0)}" y1="${y}" x2="${num(x1)}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${num(x0 - 6)}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of f.x.ticks) {
    const x = num(sx(f, t.at));
    if (options.xGrid === true) parts.push(`<line class="grid" x1="${x}" y1="${num(y0)}" x2="${x}" y2="${num(y1)}"/>`);
    parts.push(`<line class="axis" x1="${x}" y1="${num(y0)}" x2="${x}" y2="${num(y0 + 5)}"/>`);
    parts.push(`<text class="tick" x="${x}" y="${num(y0 + 18)}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  parts.push(`<line class="axis" x1="${num(x0)}" y1="${num(y0)}" x2="${num(x1)}" y2="${num(y0)}"/>`);
  parts.push(`<line class="axis" x1="${num(x0)}" y1="${num(y0)}" x2="${num(x0)}" y2="${num(y1)}"/>`);
  parts.push(`<text class="axis-title" x="${num(x0 + plotWidth(f) / 2)}" y="${num(f.height - 6)}" text-anchor="middle">${escapeXml(f.x.title)}</text>`);
  const midY = num(y1 + plotHeight(f) / 2);
  parts.push(`<text class="axis-title" x="14" y="${midY}" text-anchor="middle" transform="rotate(-90 14 ${midY})">${escapeXml(f.y.title)}</text>`);
  parts.push('</g>');
  return parts.join('');
}

export type Point = readonly [x: number, y: number];

export interface SeriesStyle {
  readonly colour: string;
  readonly dashed?: boolean;
  readonly title: string;
}

/** One series as a path of line segments (a gap between segments where there is no data). */
export function linePath(f: Frame, segments: readonly (readonly Point[])[], style: SeriesStyle): string {
  const d = segments.filter((s) => s.length > 0).map((s) => {
    const [only] = s;
    // A lone point (one bucket between gaps) is drawn as a short dash, or it would not show at all.
    if (s.length === 1 && only !== undefined) return `M${num(sx(f, only[0]) - 3)} ${num(sy(f, only[1]))}h6`;
    return s.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${num(sx(f, x))} ${num(sy(f, y))}`).join('');
  }).join('');
  if (d === '') return '';
  const dash = style.dashed === true ? ' stroke-dasharray="6 3"' : '';
  return `<path class="data series" d="${d}" stroke="${style.colour}"${dash}><title>${escapeXml(style.title)}</title></path>`;
}

/** A step function through the points (x rising): horizontal to each x, then vertical to its y. */
export function stepPath(f: Frame, points: readonly Point[], style: SeriesStyle): string {
  if (points.length === 0) return '';
  const [first] = points;
  if (first === undefined) return '';
  let d = `M${num(sx(f, first[0]))} ${num(sy(f, f.y.min))}`;
  for (const [x, y] of points) d += `H${num(sx(f, x))}V${num(sy(f, y))}`;
  const dash = style.dashed === true ? ' stroke-dasharray="6 3"' : '';
  return `<path class="data series" d="${d}" stroke="${style.colour}"${dash}><title>${escapeXml(style.title)}</title></path>`;
}

/** A filled rectangle in pixel space (bars), drawn only when it has an area. */
export function rectSvg(x: number, y: number, width: number, height: number, colour: string, title: string, extraClass = ''): string {
  if (!(width > 0 && height > 0)) return '';
  const cls = extraClass === '' ? 'data bar' : `data bar ${extraClass}`;
  return `<rect class="${cls}" x="${num(x)}" y="${num(y)}" width="${num(width)}" height="${num(height)}" fill="${colour}"><title>${escapeXml(title)}</title></rect>`;
}

export interface Mark {
  readonly at: number;
  readonly label: string;
}

/** Labelled vertical lines (timeline events); labels staggered over three rows so neighbours don't overlap. */
export function marksSvg(f: Frame, marks: readonly Mark[]): string {
  const parts: string[] = ['<g class="marks">'];
  marks.forEach((m, i) => {
    if (m.at < f.x.min || m.at > f.x.max) return;
    const x = num(sx(f, m.at));
    const y = num(f.top + 12 + 13 * (i % 3));
    parts.push(`<line class="mark" x1="${x}" y1="${num(f.top)}" x2="${x}" y2="${num(f.height - f.bottom)}"><title>${escapeXml(m.label)}</title></line>`);
    parts.push(`<text class="mark-label" x="${num(Number(x) + 3)}" y="${y}">${escapeXml(clip(m.label, 40))}<title>${escapeXml(m.label)}</title></text>`);
  });
  parts.push('</g>');
  return parts.join('');
}

export interface LegendItem {
  readonly label: string;
  readonly colour: string;
  readonly dashed?: boolean;
  readonly box?: boolean;
}

export const LEGEND_ROW_PX = 18;
/** Legend text is sized by character count (no text measurement): about this many px per character. */
const CHAR_PX = 7;

/** Rows of legend entries below the plot, as many per row as the longest label allows; markup and height. */
export function legendSvg(f: Frame, items: readonly LegendItem[]): { svg: string; height: number } {
  if (items.length === 0) return { svg: '', height: 0 };
  const longest = Math.max(...items.map((item) => item.label.length));
  const itemPx = Math.min(plotWidth(f), Math.max(160, longest * CHAR_PX + 40));
  const perRow = Math.max(1, Math.floor(plotWidth(f) / itemPx));
  const chars = Math.floor((itemPx - 34) / CHAR_PX);
  const parts: string[] = ['<g class="legend">'];
  items.forEach((item, i) => {
    const x = f.left + (i % perRow) * itemPx;
    const y = f.height + 4 + Math.floor(i / perRow) * LEGEND_ROW_PX;
    const swatch = item.box === true
      ? `<rect x="${num(x)}" y="${num(y + 3)}" width="18" height="10" fill="${item.colour}"/>`
      : `<line class="swatch" x1="${num(x)}" y1="${num(y + 8)}" x2="${num(x + 18)}" y2="${num(y + 8)}" stroke="${item.colour}"${item.dashed === true ? ' stroke-dasharray="6 3"' : ''}/>`;
    parts.push(`${swatch}<text class="legend-label" x="${num(x + 24)}" y="${num(y + 12)}">${escapeXml(clip(item.label, chars))}<title>${escapeXml(item.label)}</title></text>`);
  });
  parts.push('</g>');
  return { svg: parts.join(''), height: Math.ceil(items.length / perRow) * LEGEND_ROW_PX + 8 };
}

/** A centred note in the plot area (no data). */
export function noteSvg(f: Frame, text: string): string {
  return `<text class="note" x="${num(f.left + plotWidth(f) / 2)}" y="${num(f.top + plotHeight(f) / 2)}" text-anchor="middle">${escapeXml(text)}</text>`;
}

/** The <svg> element around the parts; `label` is its accessible name. */
export function svgElement(width: number, height: number, label: string, body: string): string {
  return `<svg viewBox="0 0 ${width} ${num(height)}" width="${width}" height="${num(height)}" role="img" aria-label="${escapeXml(label)}">${body}</svg>`;
}
