// Chart markers (pure): where changes (feature-flag changes, deploys) fall on a bucketed series,
// as a fraction of the chart's width. Changes outside the series' time span are left out.
import type { Series } from './sparkline.js';

export interface ChartMarker {
  /** ms since the epoch */
  at: number;
  label: string;
  kind: 'flag' | 'deploy';
}

/** Series points are [bucket start (s), count]; the last bucket is as long as the one before it. */
export function markerPositions(series: Series, markers: ChartMarker[]): Array<ChartMarker & { x: number }> {
  if (series.length < 2) return [];
  const start = series[0]![0] * 1000;
  const step = (series[1]![0] - series[0]![0]) * 1000;
  const end = series[series.length - 1]![0] * 1000 + step;
  return markers.filter((m) => m.at >= start && m.at < end).map((m) => ({ ...m, x: (m.at - start) / (end - start) }));
}
