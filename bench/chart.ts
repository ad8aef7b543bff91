/** A grouped bar chart as a standalone SVG: one panel per series set, engine beside bare core. */

export interface Panel {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: readonly number[] }>;
}

const WIDTH = 420;
const HEIGHT = 300;
const MARGIN = { top: 40, right: 16, bottom: 56, left: 64 };
const COLOURS = ['#2563eb', '#9ca3af'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${Math.round(value / 1e3)}k`;
  return String(Math.round(value));
}

function renderPanel(panel: Panel, offsetX: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = Math.max(1, ...panel.series.flatMap((s) => s.values)) * 1.1;
  const y = (value: number): number => MARGIN.top + plotHeight - (value / max) * plotHeight;
  const groupWidth = plotWidth / panel.categories.length;
  const barWidth = (groupWidth * 0.7) / panel.series.length;
  const parts: string[] = [`<g transform="translate(${offsetX},0)">`];
  parts.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escape(panel.title)}</text>`);
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (max / 4) * tick;
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end" font-size="11">${compact(value)}</text>`);
  }
  panel.categories.forEach((category, c) => {
    const groupX = MARGIN.left + c * groupWidth + groupWidth * 0.15;
    panel.series.forEach((series, s) => {
      const value = series.values[c] ?? 0;
      const x = groupX + s * barWidth;
      parts.push(`<rect x="${x}" y="${y(value)}" width="${barWidth - 2}" height="${MARGIN.top + plotHeight - y(value)}" fill="${COLOURS[s % COLOURS.length]}"><title>${escape(`${series.name}: ${compact(value)} ops/s`)}</title></rect>`);
    });
    parts.push(`<text x="${groupX + (barWidth * panel.series.length) / 2}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${escape(category)}</text>`);
  });
  parts.push(`<text x="16" y="${MARGIN.top + plotHeight / 2}" transform="rotate(-90 16 ${MARGIN.top + plotHeight / 2})" text-anchor="middle" font-size="11">ops/s</text>`);
  panel.series.forEach((series, s) => {
    const x = MARGIN.left + s * 150;
    parts.push(`<rect x="${x}" y="${HEIGHT - 22}" width="12" height="12" fill="${COLOURS[s % COLOURS.length]}"/>`);
    parts.push(`<text x="${x + 18}" y="${HEIGHT - 12}" font-size="11">${escape(series.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

export function renderChart(panels: readonly Panel[]): string {
  const width = WIDTH * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${width}" height="${HEIGHT}" fill="white"/>`,
    ...panels.map((panel, i) => renderPanel(panel, i * WIDTH)),
    '</svg>',
    '',
  ].join('\n');
}
