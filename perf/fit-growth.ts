// The growth exponent of a cost over a size: least squares on log-log, so cost ≈ c · size^exponent.
//
// Job: fit ln(y) = ln(c) + b·ln(x) over the points given (the 1k/3k/10k churn runs: CPU seconds or
// peak memory over services) and return b, c and the fit's R² (on the logs).
//
// Invariants: pure; needs at least two distinct positive x and positive y, else throws (a fit of
// one point or of a zero is meaningless, and silently returning 0 would pass a gate); R² is 1 for two
// points (a line through both).
//
// Not modelled: weights, confidence intervals, fixed costs (a + c·x^b): with a large fixed cost the
// exponent of the total understates the growth of the part that scales.

export interface GrowthPoint {
  readonly x: number;
  readonly y: number;
}

export interface GrowthFit {
  readonly exponent: number;
  readonly coefficient: number;
  readonly r2: number;
  readonly points: number;
}

export function fitGrowth(points: readonly GrowthPoint[]): GrowthFit {
  for (const p of points) {
    if (!(p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y))) throw new Error(`growth fit needs positive finite points, got (${p.x}, ${p.y})`);
  }
  if (new Set(points.map((p) => p.x)).size < 2) throw new Error('growth fit needs at least two distinct sizes');
  const xs = points.map((p) => Math.log(p.x));
  const ys = points.map((p) => Math.log(p.y));
  const n = points.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const exponent = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { exponent, coefficient: Math.exp(my - exponent * mx), r2, points: n };
}
