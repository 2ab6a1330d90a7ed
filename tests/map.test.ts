// The heap map and the plots, through the CLI as a user runs it (node dist/tools/cli.js).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { renderHeapMap } from "../src/tools/map.js";

const root = new URL("..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "wasmalloc-map-"));
const cli = (...args: string[]): string => execFileSync(process.execPath, ["dist/tools/cli.js", ...args], { cwd: root, encoding: "utf8" });
/** The block rects of a map, as [kind, size]. */
const rects = (svg: string): [string, number][] =>
  [...svg.matchAll(/<rect [^>]*data-kind="(\w+)"[^>]*data-size="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);

// a 0 10 (16), a 1 20 (24), a 2 30 (40), f 1, a 3 100 (104), r 0 200: a small trace of our own
const trace = "0\n4\n6\n1\na 0 10\na 1 20\na 2 30\nf 1\na 3 100\nr 0 200\n";
const traceFile = join(dir, "small.rep");
writeFileSync(traceFile, trace);

describe("wasmalloc map", () => {
  it("draws one <rect> per block, in address order, after --at operations", () => {
    const out = join(dir, "at4.svg");
    expect(cli("map", traceFile, "--at", "4", "-o", out)).toMatch(/3 blocks after 4 operations/);
    expect(rects(readFileSync(out, "utf8"))).toEqual([["used", 16], ["free", 24], ["used", 40]]);
  });

  it("after every operation, with the realloc moved and the freed block merged", () => {
    const out = join(dir, "all.svg");
    cli("map", traceFile, "-o", out, "--policy", "best-fit");
    // 3 (104) fits no hole and goes at the end; 0 cannot grow to 208 in place (its free right
    // neighbour is only 24), so it moves to the end and its 16 bytes merge with the 24-byte hole.
    expect(rects(readFileSync(out, "utf8"))).toEqual([["free", 40], ["used", 40], ["used", 104], ["used", 208]]);
  });

  it("matches heap.blocks() on a real heap, chunks and quarantine included", async () => {
    const heap = await createHeap({ debug: true });
    heap.malloc(1_100_000);                  // past the first 1 MiB: the start table moves to a chunk
    const ptrs = Array.from({ length: 600 }, (_, i) => heap.malloc(40 + (i % 9) * 100));
    ptrs.filter((_, i) => i % 2 === 0).forEach((p) => heap.free(p));   // more than the quarantine holds
    const blocks = heap.blocks();
    const svg = renderHeapMap(blocks, { stats: heap.stats() });
    expect(rects(svg)).toEqual(blocks.map((b) => [b.kind, b.size]));
    const kinds = new Set(blocks.map((b) => b.kind));
    expect(kinds).toEqual(new Set(["used", "free", "internal", "quarantined"]));
    const s = heap.stats();
    expect(blocks.reduce((n, b) => n + b.size, 0)).toBe(s.extent - 12);   // every byte but prologue and epilogue
  });

  it("keeps the legend inside the picture, shortens a long title before it, and separates thousands", async () => {
    const heap = await createHeap();
    heap.malloc(256 * 1024);
    const a = heap.malloc(40);
    heap.malloc(8);
    heap.free(a);                            // a cached block: the legend's fifth kind
    const width = 600;
    const svg = renderHeapMap(heap.blocks(), { width, stats: heap.stats(), title: `heap of ${"/very/long/path/".repeat(12)}trace.rep` });
    const legendX = [...svg.matchAll(/<rect x="([\d.]+)" y="8" width="12"/g)].map((m) => Number(m[1]));
    expect(legendX).toHaveLength(5);
    expect(Math.max(...legendX) + 16 + 8 * "quarantined".length).toBeLessThanOrEqual(width + 40);
    const title = /font-weight="bold"><title>[^<]*<\/title>([^<]*)</.exec(svg)![1];
    expect(title.endsWith("…")).toBe(true);
    expect(title.length * 8.5).toBeLessThan(Math.min(...legendX));
    expect(svg).toMatch(/extent \d{2,3},\d{3} B/);         // thousands separated
    expect(svg).toMatch(/cached blocks/);
  });

  it("refuses bad arguments with the usage", () => {
    expect(() => execFileSync(process.execPath, ["dist/tools/cli.js", "map"], { cwd: root, stdio: "pipe" })).toThrow(/give exactly one trace file/);
    expect(() => execFileSync(process.execPath, ["dist/tools/cli.js", "map", traceFile, "--at", "x"], { cwd: root, stdio: "pipe" })).toThrow(/--at takes a non-negative integer/);
  });
});

describe("wasmalloc plot", () => {
  it("plots utilization and fragmentation over the replay", () => {
    const out = join(dir, "plot.svg");
    expect(cli("plot", traceFile, "-o", out)).toMatch(/samples over 6 operations; final utilization 0\.\d{3}/);
    const svg = readFileSync(out, "utf8");
    expect(svg.match(/<path d="M/g)?.length).toBe(2);
    expect(svg).toContain("utilization (peak payload ÷ extent)");
    expect([...svg.matchAll(/text-anchor="middle">([\d,]+)</g)].map((m) => m[1])).toEqual(["0", "1", "2", "4", "5", "6"]);
  });

  it("overlays several policies on one chart, each in its color, fragmentation dashed, the legend in rows that fit", () => {
    const out = join(dir, "plot-all.svg");
    expect(cli("plot", traceFile, "--policy", "all", "-o", out))
      .toMatch(/final utilization first-fit 0\.\d{3}, next-fit 0\.\d{3}, best-fit 0\.\d{3}, segregated 0\.\d{3}$/m);
    const svg = readFileSync(out, "utf8");
    expect(svg.match(/<path d="M/g)?.length).toBe(8);
    expect(svg.match(/<path [^>]*stroke-dasharray/g)?.length).toBe(4);
    for (const p of ["first-fit", "next-fit", "best-fit", "segregated"]) expect(svg).toContain(`${p}: utilization (peak payload ÷ extent)`);
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)![1]);
    const legend = [...svg.matchAll(/<line x1="(\d+)" x2="\d+" y1="([\d.]+)"[^>]*stroke-width="3"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(legend).toHaveLength(8);
    for (const [x] of legend) expect(x + 280).toBeLessThanOrEqual(width);   // every entry within the chart
    expect(new Set(legend.map(([, y]) => y)).size).toBeGreaterThan(1);    // in more than one row
    expect(cli("plot", traceFile, "--policy", "best-fit,segregated", "-o", out)).toMatch(/best-fit 0\.\d{3}, segregated 0\.\d{3}$/m);
    expect(() => execFileSync(process.execPath, ["dist/tools/cli.js", "plot", traceFile, "--policy", "best-fit,worst-fit"], { cwd: root, stdio: "pipe" }))
      .toThrow(/unknown policy "worst-fit"; known: first-fit, next-fit, best-fit, segregated, all/);
  });
});
