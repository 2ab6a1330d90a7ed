// What the checks cost: the shipped release build, and the debug heap, against the "unchecked"
// build (asc --use WASMALLOC_UNCHECKED=1: no start table, every pointer trusted), in one run.
//
//   npm run bench:guards     (builds both first)
//
// Cases: malloc(64)+free pairs through the raw exports, and a replay of the Malloc Lab default
// suite (../shared/traces/malloclab, the 11 -bal traces) if it is beside the project.

import Benchmark from "benchmark";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { parseTrace, OP_ALLOC, OP_FREE } from "../dist/tools/trace.js";

const builds = {
  unchecked: readFileSync(new URL("../build/bench/wasmalloc.unchecked.wasm", import.meta.url)),
  release: readFileSync(new URL("../build/wasmalloc.wasm", import.meta.url)),
  debug: readFileSync(new URL("../build/wasmalloc.debug.wasm", import.meta.url)),
};
// Each build is compiled once; instances come from the compiled module, so that V8's optimised
// code (tiered up during the warm-up) serves every instance, as it does for createHeap.
const modules = new Map();
async function core(bytes) {
  if (!modules.has(bytes)) modules.set(bytes, await WebAssembly.compile(bytes));
  const instance = await WebAssembly.instantiate(modules.get(bytes), { env: { abort() { throw new Error("abort"); } } });
  return instance.exports;
}

const SUITE = ["amptjp", "cccp", "cp-decl", "expr", "coalescing", "random", "random2", "binary", "binary2", "realloc", "realloc2"]
  .map((n) => `${n}-bal.rep`);
const traceDir = new URL("../../shared/traces/malloclab/", import.meta.url);
const traces = existsSync(traceDir) ? SUITE.map((f) => parseTrace(readFileSync(new URL(f, traceDir), "utf8"))) : [];

/** Replays one trace on a fresh instance; returns [ms for the operations alone, extent at the end]. */
async function replayOnce(bytes, t) {
  const c = await core(bytes);
  const ptrs = new Uint32Array(t.numIds);
  const { kinds, ids, sizes } = t;
  const malloc = c.malloc, free = c.free, realloc = c.realloc;
  const t0 = performance.now();
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i], id = ids[i];
    if (k === OP_ALLOC) ptrs[id] = malloc(sizes[i]);
    else if (k === OP_FREE) free(ptrs[id]);
    else ptrs[id] = realloc(ptrs[id], sizes[i]);
  }
  return [performance.now() - t0, c.heap_stat(0)];
}

const suite = new Benchmark.Suite("guards");
let sink = 0;
for (const [name, bytes] of Object.entries(builds)) {
  const c = await core(bytes);
  const keep = [];
  for (let i = 0; i < 64; i++) keep.push(c.malloc(16 + (i % 7) * 8));
  for (let i = 0; i < 64; i += 2) c.free(keep[i]);
  suite.add(`${name}: malloc(64)+free`, () => { const p = c.malloc(64); sink ^= p; c.free(p); });
}
// Replays are timed by hand, the operations alone (instantiation is outside the timing): three
// warm-up passes, then for each trace the best of five runs per build, summed over the suite.
const replayRows = [];
const extentRows = [];
if (traces.length) {
  for (let warm = 0; warm < 3; warm++) for (const t of traces) for (const b of Object.values(builds)) await replayOnce(b, t);
  const total = {};
  const extent = {};
  const ops = traces.reduce((n, t) => n + t.kinds.length, 0);
  for (const t of traces) {
    for (const [name, b] of Object.entries(builds)) {
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const [ms, e] = await replayOnce(b, t);
        best = Math.min(best, ms);
        extent[name] = (extent[name] ?? 0) + (r === 0 ? e : 0);
      }
      total[name] = (total[name] ?? 0) + best;
    }
  }
  for (const name of Object.keys(builds)) replayRows.push([`${name}: Malloc Lab suite replay (ops/s)`, ops / (total[name] / 1000)]);
  for (const name of Object.keys(builds)) extentRows.push([name, extent[name]]);
}

const results = [];
suite.on("cycle", (e) => { results.push([e.target.name, e.target.hz, e.target.stats.rme]); process.stderr.write(`${e.target}\n`); });
suite.on("complete", () => {
  console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
  console.log("| case | ops/s | ± | ÷ unchecked |\n|---|---:|---:|---:|");
  const rows = [...results, ...replayRows.map(([n, hz]) => [n, hz, NaN])];
  const n = Object.keys(builds).length;
  for (let i = 0; i < rows.length; i += n) {
    const base = rows[i][1];
    for (const r of rows.slice(i, i + n)) {
      console.log(`| ${r[0]} | ${Math.round(r[1]).toLocaleString("en-US")} | ${Number.isNaN(r[2]) ? "" : `${r[2].toFixed(1)}%`} | ${(r[1] / base).toFixed(2)}× |`);
    }
  }
  if (!traces.length) console.log("(no replay: ../shared/traces/malloclab is not beside the project)");
  else {
    const base = extentRows[0][1];
    console.log(`\nSum of the 11 heaps' extents at the end of their traces: ${extentRows.map(([n, e]) => `${n} ${e.toLocaleString("en-US")} bytes (${(e / base).toFixed(3)}×)`).join(", ")}`);
  }
  if (sink === 0.5) console.log(sink);
});
suite.run({ async: false });
