// Arithmetic for benchmark reports: percentiles, a least-squares slope, units.

/** The p-th percentile (0-100, nearest rank) of numbers; NaN for none. */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50 / p99 / max / count of a list of numbers. */
export function summary(values) {
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN, n: values.length };
}

/** Slope of y over x by least squares (units of y per unit of x); NaN for fewer than 2 points. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

export const MiB = 1024 * 1024;
export const mib = (bytes) => (Number.isFinite(bytes) ? (bytes / MiB).toFixed(1) : '—');
export const fixed = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
export const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
