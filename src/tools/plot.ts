// Line plots as SVG, for utilization and fragmentation over a replay. Runs in Node and browsers.

/** One line of a plot: points (x, y) with y from 0 to 1. */
export interface Series {
  name: string;
  color: string;
  /** Draw the line dashed (a second measure of the same subject, in the same color). */
  dashed?: boolean;
  points: readonly (readonly [number, number])[];
}

/** The width of one legend entry. */
const LEGEND_W = 280;

/**
 * Renders series of ratios (0 to 1) against an operation count as an SVG line chart, the legend
 * above it in as many rows as it needs.
 */
export function renderPlot(series: readonly Series[], options: { title?: string; xLabel?: string; width?: number; height?: number } = {}): string {
  const width = options.width ?? 900;
  const left = 50;
  const right = 20;
  const legendRows = Math.ceil(series.length / Math.max(1, Math.floor((width - left - right) / LEGEND_W)));
  const top = 46 + 14 * legendRows;
  const height = (options.height ?? 360) + 14 * (legendRows - 1);
  const bottom = 44;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMax = Math.max(1, ...xs);
  const px = (x: number): number => left + (x / xMax) * (width - left - right);
  const py = (y: number): number => top + (1 - Math.min(1, Math.max(0, y))) * (height - top - bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((y) =>
    `<line x1="${left}" x2="${width - right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/><text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${y.toFixed(2)}</text>`).join("");
  // x ticks at fifths of the range, with thousands separated.
  const xTicks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((f) => {
    const x = Math.round(f * xMax);
    return `<line x1="${px(x)}" x2="${px(x)}" y1="${py(0)}" y2="${py(0) + 4}" stroke="#333"/><text x="${px(x)}" y="${py(0) + 16}" text-anchor="middle">${x.toLocaleString("en-US")}</text>`;
  }).join("");
  // The legend: entries of LEGEND_W pixels, as many to a row as fit, rows upwards from the plot.
  const perRow = Math.max(1, Math.floor((width - left - right) / LEGEND_W));
  const rows = Math.ceil(series.length / perRow);
  const lines = series.map((s, i) => {
    const d = s.points.map((p, j) => `${j ? "L" : "M"}${px(p[0]).toFixed(1)} ${py(p[1]).toFixed(1)}`).join("");
    const dash = s.dashed ? ` stroke-dasharray="5 3"` : "";
    const lx = left + 10 + (i % perRow) * LEGEND_W;
    const ly = top - 24 - (rows - 1 - Math.floor(i / perRow)) * 14;
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}><title>${s.name}</title></path>` +
      `<line x1="${lx}" x2="${lx + 14}" y1="${ly + 1.5}" y2="${ly + 1.5}" stroke="${s.color}" stroke-width="3"${dash}/><text x="${lx + 18}" y="${ly + 5}">${s.name}</text>`;
  }).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">
<text x="${left}" y="16" font-size="14" font-weight="bold">${(options.title ?? "").replace(/[<&]/g, "")}</text>
${grid}
<line x1="${left}" x2="${width - right}" y1="${py(0)}" y2="${py(0)}" stroke="#333"/>
${xTicks}
<text x="${width - right}" y="${height - 4}" text-anchor="end">${options.xLabel ?? "operation"}</text>
${lines}
</svg>
`;
}
