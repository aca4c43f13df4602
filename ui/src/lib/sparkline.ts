// Sparkline and bar-chart geometry for issue counts ([timestamp, count] pairs). Pure.

export type Series = Array<[number, number]>;

/** Bars scaled to `height`; a non-zero count always gets at least 1px so activity is visible. */
export function barHeights(series: Series, height: number): number[] {
  const max = Math.max(0, ...series.map(([, c]) => c));
  if (max === 0) return series.map(() => 0);
  return series.map(([, c]) => (c === 0 ? 0 : Math.max(1, Math.round((c / max) * height))));
}

/** SVG polyline points ("x,y x,y …") spanning width × height, y grows downwards. */
export function sparklinePoints(series: Series, width: number, height: number): string {
  if (series.length === 0) return '';
  const max = Math.max(1, ...series.map(([, c]) => c));
  const step = series.length > 1 ? width / (series.length - 1) : 0;
  return series.map(([, c], i) => `${round(i * step)},${round(height - (c / max) * height)}`).join(' ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export function seriesTotal(series: Series): number {
  return series.reduce((sum, [, c]) => sum + c, 0);
}
