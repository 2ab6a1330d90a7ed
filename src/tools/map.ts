// The heap as a picture: every block in address order, used and free, like cars in a parking
// lot. One <rect> per block (its <title> tells address, size and kind); headers and footers are
// dark strips drawn to scale, visible when the SVG is zoomed in. Runs in Node and in browsers.

import type { HeapBlock, HeapStats } from "../api.js";

/** How {@link renderHeapMap} draws. */
export interface MapOptions {
  /** Width of a row in pixels. @defaultValue 1200 */
  width?: number;
  /** About how many rows the heap should fill. @defaultValue 40 */
  rows?: number;
  /** A caption above the map. */
  title?: string;
  /** Statistics to print under the caption. */
  stats?: HeapStats;
  /** Names to write on blocks, by payload address (the demo's t1, t2, …); a block too narrow for its name shows it on hover. */
  labels?: ReadonlyMap<number, string>;
}

/** Fill colours by block kind. */
export const MAP_COLORS: Readonly<Record<HeapBlock["kind"], string>> = {
  used: "#4c78a8",
  free: "#f2f2f2",
  internal: "#9467bd",
  quarantined: "#e45756",
  cached: "#b9cde3",
};

const ROW_HEIGHT = 28;
/** Pixels per legend entry (a swatch and the longest kind's name). */
const LEGEND_STEP = 96;
const ROW_GAP = 6;
const HEADER_BYTES = 4;

/** Escapes text for SVG. */
function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Where each block lands: row-major flow, width proportional to size (at least 2 px). */
export function layoutBlocks(blocks: readonly HeapBlock[], width = 1200, rows = 40):
  { x: number; y: number; w: number; block: HeapBlock }[] {
  const total = blocks.reduce((n, b) => n + b.size, 0);
  const bytesPerPx = Math.max(1 / 8, total / (width * rows));
  const out: { x: number; y: number; w: number; block: HeapBlock }[] = [];
  let x = 0;
  let row = 0;
  for (const block of blocks) {
    const w = Math.min(width, Math.max(2, block.size / bytesPerPx));
    if (x + w > width + 0.001) {
      x = 0;
      row++;
    }
    out.push({ x, y: row * (ROW_HEIGHT + ROW_GAP), w, block });
    x += w;
  }
  return out;
}

/** Renders blocks (from {@link Heap.blocks}) as an SVG document. */
export function renderHeapMap(blocks: readonly HeapBlock[], options: MapOptions = {}): string {
  const width = options.width ?? 1200;
  const placed = layoutBlocks(blocks, width, options.rows ?? 40);
  const total = blocks.reduce((n, b) => n + b.size, 0);
  const bytesPerPx = Math.max(1 / 8, total / (width * (options.rows ?? 40)));
  const top = 64;
  const rowsUsed = placed.length ? placed[placed.length - 1].y / (ROW_HEIGHT + ROW_GAP) + 1 : 0;
  const height = top + rowsUsed * (ROW_HEIGHT + ROW_GAP) + 10;
  const s = options.stats;
  const n = (v: number): string => v.toLocaleString("en-US");
  const cached = s && s.cachedBlocks > 0 ? ` (${n(s.cachedBytes)} B of it in ${n(s.cachedBlocks)} cached blocks)` : "";
  const caption = [
    options.title ?? "wasmalloc heap",
    s ? `extent ${n(s.extent)} B · used ${n(s.usedBytes)} B in ${n(s.usedBlocks)} blocks · free ${n(s.freeBytes)} B in ${n(s.freeBlocks)} blocks${cached} (largest ${n(s.largestFree)}) · memory ${n(s.memoryBytes)} B` : "",
  ];
  const rects: string[] = [];
  const labelText: string[] = [];
  let headers = "";
  let footers = "";
  const tag = Math.max(0.25, HEADER_BYTES / bytesPerPx);
  for (const { x, y, w, block } of placed) {
    const yy = top + y;
    const clipped = block.size / bytesPerPx > w + 0.001 ? " (drawn shortened)" : "";
    const label = options.labels?.get(block.address + HEADER_BYTES);
    const named = label !== undefined ? `${esc(label)}: ` : "";
    rects.push(`<rect x="${x.toFixed(2)}" y="${yy}" width="${w.toFixed(2)}" height="${ROW_HEIGHT}" fill="${MAP_COLORS[block.kind]}" stroke="#555" stroke-width="0.3" data-kind="${block.kind}" data-address="${block.address}" data-size="${block.size}"><title>${named}${block.kind} block at ${block.address} (0x${block.address.toString(16)}), ${block.size.toLocaleString("en-US")} bytes${clipped}</title></rect>`);
    if (label !== undefined && w >= 7 * label.length + 4) {
      labelText.push(`<text x="${(x + w / 2).toFixed(2)}" y="${yy + ROW_HEIGHT / 2 + 4}" text-anchor="middle" fill="${block.kind === "used" ? "#fff" : "#222"}" data-label="${esc(label)}">${esc(label)}</text>`);
    }
    headers += `M${x.toFixed(2)} ${yy}h${Math.min(tag, w).toFixed(2)}v${ROW_HEIGHT}h-${Math.min(tag, w).toFixed(2)}z`;
    if (block.kind === "free") footers += `M${(x + w - Math.min(tag, w)).toFixed(2)} ${yy}h${Math.min(tag, w).toFixed(2)}v${ROW_HEIGHT}h-${Math.min(tag, w).toFixed(2)}z`;
  }
  // The legend keeps the top row's right end; the title gets what is left of it, shortened with
  // an ellipsis when it would run into the legend (about 8.5 px a character at 15 px bold).
  const kinds = Object.keys(MAP_COLORS) as HeapBlock["kind"][];
  const legendX = width - kinds.length * LEGEND_STEP;
  const legend = kinds.map((k, i) =>
    `<rect x="${legendX + i * LEGEND_STEP}" y="8" width="12" height="12" fill="${MAP_COLORS[k]}" stroke="#555" stroke-width="0.5"/><text x="${legendX + 16 + i * LEGEND_STEP}" y="18">${k}</text>`).join("");
  const room = Math.max(8, Math.floor((legendX - 12) / 8.5));
  const title = caption[0].length > room ? `${caption[0].slice(0, room - 1)}…` : caption[0];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<text x="0" y="18" font-size="15" font-weight="bold"><title>${esc(caption[0])}</title>${esc(title)}</text>
<text x="0" y="40" fill="#333">${esc(caption[1])}</text>
<text x="0" y="56" fill="#777" font-size="10">one box per block in address order, ${bytesPerPx < 1 ? `${(1 / bytesPerPx).toFixed(0)} px per byte` : `${bytesPerPx.toFixed(1)} bytes per px`}; dark strips are headers and, on free blocks, footers</text>
${legend}
<g>${rects.join("\n")}</g>
<path d="${headers}" fill="#222" opacity="0.55"/>
<path d="${footers}" fill="#222" opacity="0.35"/>
<g font-size="11">${labelText.join("")}</g>
</svg>
`;
}
