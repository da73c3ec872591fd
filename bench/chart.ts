/** A small hand-built SVG: synth time and template bytes against N, for both libraries. */

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
}

const WIDTH = 360;
const HEIGHT = 240;
const MARGIN = { left: 64, right: 16, top: 36, bottom: 44 };

export function chartSvg(panels: readonly Panel[], caption: string): string {
  const body = panels.map((panel, index) => `<g transform="translate(${index * WIDTH},0)">${panelSvg(panel)}</g>`).join('\n');
  const legend = panels[0].series
    .map((series, index) => {
      const x = MARGIN.left + index * 190;
      return `<line x1="${x}" y1="${HEIGHT + 16}" x2="${x + 24}" y2="${HEIGHT + 16}" stroke="${series.color}" stroke-width="3"/><text x="${x + 30}" y="${HEIGHT + 20}">${escape(series.label)}</text>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * panels.length}" height="${HEIGHT + 48}" viewBox="0 0 ${WIDTH * panels.length} ${HEIGHT + 48}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    body,
    legend,
    `<text x="${MARGIN.left}" y="${HEIGHT + 40}" fill="#555">${escape(caption)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}

function panelSvg(panel: Panel): string {
  const xs = panel.series.flatMap((series) => series.points.map(([n]) => n));
  const maxX = Math.max(...xs);
  const highest = Math.max(...panel.series.flatMap((series) => series.points.map(([, value]) => value)));
  const step = niceStep(highest / 4);
  const maxY = step * Math.ceil(highest / step);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (n: number) => MARGIN.left + (n / maxX) * plotWidth;
  const y = (value: number) => Number((MARGIN.top + plotHeight - (value / maxY) * plotHeight).toFixed(1));
  const parts: string[] = [];
  parts.push(`<text x="${MARGIN.left}" y="20" font-size="13" font-weight="bold">${escape(panel.title)}</text>`);
  for (let value = 0; value <= maxY + step / 2; value += step) {
    parts.push(`<line x1="${MARGIN.left}" y1="${y(value)}" x2="${MARGIN.left + plotWidth}" y2="${y(value)}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end">${formatNumber(value)}</text>`);
  }
  for (const n of [...new Set(xs)].sort((left, right) => left - right)) {
    parts.push(`<line x1="${x(n)}" y1="${MARGIN.top + plotHeight}" x2="${x(n)}" y2="${MARGIN.top + plotHeight + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x(n)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${n}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`);
  parts.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 32}" text-anchor="middle">users declared (N)</text>`);
  parts.push(`<text transform="translate(14,${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(panel.unit)}</text>`);
  for (const series of panel.series) {
    const points = series.points.map(([n, value]) => `${x(n).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${series.color}" stroke-width="2.5"/>`);
    for (const [n, value] of series.points) parts.push(`<circle cx="${x(n).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3.5" fill="${series.color}"/>`);
  }
  return parts.join('\n');
}

/** The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `value`. */
function niceStep(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function formatNumber(value: number): string {
  if (value >= 1_000_000) return `${Number((value / 1_000_000).toFixed(2))} M`;
  if (value >= 1_000) return `${Number((value / 1_000).toFixed(2))} k`;
  return String(Math.round(value));
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
