/**
 * A small hand-built SVG: panels of a measure against the number of users, one line per design (or
 * against time, for the deploy dashboard's picture).
 */

export interface Series {
  readonly label: string;
  readonly color: string;
  /** [N, value] */
  readonly points: readonly [number, number][];
}

export interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly Series[];
  /** A logarithmic axis, for values over several orders of magnitude. @default false */
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  /** A limit drawn as a dashed line, labelled at the start or the end of the axis (where no line crosses it). */
  readonly limit?: { readonly value: number; readonly label: string; readonly labelAt?: 'start' | 'end' };
  /** The x axis's title. @default 'users declared' */
  readonly xLabel?: string;
  /** Ticks at each x value of the data, or at round numbers (for many points, such as times). @default 'data' */
  readonly xTicks?: 'data' | 'nice';
}

const WIDTH = 360;
const HEIGHT = 240;
const MARGIN = { left: 64, right: 16, top: 36, bottom: 44 };

/** Draws the panels side by side, with one legend for all (the first panel's series), or one under each panel. */
export function chartSvg(panels: readonly Panel[], caption: string, options: { legendPerPanel?: boolean } = {}): string {
  const body = panels.map((panel, index) => `<g transform="translate(${index * WIDTH},0)">${panelSvg(panel)}</g>`).join('\n');
  const legendOf = (series: readonly Series[], offset: number, spacing: number, rows: boolean) =>
    series
      .map((each, index) => {
        const x = offset + MARGIN.left + (rows ? 0 : index * spacing);
        const y = HEIGHT + 16 + (rows ? index * 16 : 0);
        return `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${each.color}" stroke-width="3"/><text x="${x + 30}" y="${y + 4}">${escape(each.label)}</text>`;
      })
      .join('');
  const legend = options.legendPerPanel ? panels.map((panel, index) => legendOf(panel.series, index * WIDTH, 0, true)).join('') : legendOf(panels[0].series, 0, 250, false);
  const legendRows = options.legendPerPanel ? Math.max(...panels.map((panel) => panel.series.length)) : 1;
  const height = HEIGHT + 32 + legendRows * 16;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * panels.length}" height="${height}" viewBox="0 0 ${WIDTH * panels.length} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    body,
    legend,
    `<text x="${MARGIN.left}" y="${height - 8}" fill="#555">${escape(caption)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}

/** Maps values to pixels along one axis, linearly from 0 or logarithmically between powers of ten. */
interface Axis {
  readonly position: (value: number) => number;
  readonly ticks: number[];
}

function axis(values: readonly number[], log: boolean, from: number, length: number, ticksAt?: readonly number[]): Axis {
  if (log) {
    const low = Math.floor(Math.log10(Math.min(...values)));
    const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...values))));
    const position = (value: number) => from + ((Math.log10(value) - low) / (high - low)) * length;
    return { position, ticks: ticksAt ? [...ticksAt] : Array.from({ length: high - low + 1 }, (_, index) => 10 ** (low + index)) };
  }
  const highest = Math.max(...values);
  const step = niceStep(highest / 4);
  const top = step * Math.ceil(highest / step);
  const ticks = ticksAt ? [...ticksAt] : Array.from({ length: Math.round(top / step) + 1 }, (_, index) => index * step);
  return { position: (value: number) => from + (value / top) * length, ticks };
}

function panelSvg(panel: Panel): string {
  const xs = [...new Set(panel.series.flatMap((series) => series.points.map(([n]) => n)))].sort((left, right) => left - right);
  const ys = [...panel.series.flatMap((series) => series.points.map(([, value]) => value)), ...(panel.limit ? [panel.limit.value] : [])];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xAxis = axis(xs, panel.xLog ?? false, MARGIN.left, plotWidth, panel.xTicks === 'nice' ? undefined : xs);
  const yAxis = axis(ys, panel.yLog ?? false, 0, plotHeight);
  const x = (n: number) => xAxis.position(n).toFixed(1);
  const y = (value: number) => (MARGIN.top + plotHeight - yAxis.position(value)).toFixed(1);
  const parts: string[] = [];
  parts.push(`<text x="${MARGIN.left}" y="20" font-size="13" font-weight="bold">${escape(panel.title)}</text>`);
  for (const value of yAxis.ticks) {
    parts.push(`<line x1="${MARGIN.left}" y1="${y(value)}" x2="${MARGIN.left + plotWidth}" y2="${y(value)}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${Number(y(value)) + 4}" text-anchor="end">${formatNumber(value)}</text>`);
  }
  for (const n of xAxis.ticks) {
    parts.push(`<line x1="${x(n)}" y1="${MARGIN.top + plotHeight}" x2="${x(n)}" y2="${MARGIN.top + plotHeight + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x(n)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${formatNumber(n)}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`);
  parts.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 32}" text-anchor="middle">${escape(panel.xLabel ?? 'users declared')}${panel.xLog ? ' (log scale)' : ''}</text>`);
  parts.push(`<text transform="translate(14,${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(panel.unit)}</text>`);
  if (panel.limit) {
    const at = y(panel.limit.value);
    parts.push(`<line x1="${MARGIN.left}" y1="${at}" x2="${MARGIN.left + plotWidth}" y2="${at}" stroke="#555" stroke-dasharray="4 3"/>`);
    const end = panel.limit.labelAt === 'end';
    parts.push(`<text x="${end ? MARGIN.left + plotWidth - 4 : MARGIN.left + 4}" y="${Number(at) - 4}" text-anchor="${end ? 'end' : 'start'}" fill="#555">${escape(panel.limit.label)}</text>`);
  }
  for (const series of panel.series) {
    if (series.points.length === 0) continue;
    const points = series.points.map(([n, value]) => `${x(n)},${y(value)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${series.color}" stroke-width="2.5"/>`);
    if (series.points.length <= 40) for (const [n, value] of series.points) parts.push(`<circle cx="${x(n)}" cy="${y(value)}" r="3.5" fill="${series.color}"/>`);
  }
  return parts.join('\n');
}

/** The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `value`. */
function niceStep(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function formatNumber(value: number): string {
  if (value >= 1_000_000) return `${Number((value / 1_000_000).toFixed(2))} M`;
  if (value >= 1_000) return `${Number((value / 1_000).toFixed(2))} k`;
  return value < 10 && !Number.isInteger(value) ? value.toFixed(1) : String(Math.round(value));
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
