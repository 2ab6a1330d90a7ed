// What the release-mode pointer checks cost: the shipped build against the "unchecked" build
// (asc --use WASMALLOC_UNCHECKED=1: no start bitmap, every pointer trusted), in one run.
//
//   npm run bench:guards     (builds both first)
//
// Cases: malloc(64)+free pairs through the raw exports, and a replay of the Malloc Lab default
// suite (../shared/traces/malloclab, the 11 -bal traces) if it is beside the project.

import Benchmark from "benchmark";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { parseTrace, OP_ALLOC, OP_FREE } from "../dist/trace.js";

const builds = {
  checked: readFileSync(new URL("../build/wasmalloc.wasm", import.meta.url)),
  unchecked: readFileSync(new URL("../build/bench/wasmalloc.unchecked.wasm", import.meta.url)),
};
async function core(bytes) {
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort() { throw new Error("abort"); } } });
  return instance.exports;
}

const SUITE = ["amptjp", "cccp", "cp-decl", "expr", "coalescing", "random", "random2", "binary", "binary2", "realloc", "realloc2"]
  .map((n) => `${n}-bal.rep`);
const traceDir = new URL("../../shared/traces/malloclab/", import.meta.url);
const traces = existsSync(traceDir) ? SUITE.map((f) => parseTrace(readFileSync(new URL(f, traceDir), "utf8"))) : [];

/** Replays every trace on fresh instances through the raw exports; returns ops replayed. */
async function prepareReplay(bytes) {
  const instances = [];
  for (let i = 0; i < traces.length; i++) instances.push(null);
  return async () => {
    let ops = 0;
    for (const t of traces) {
      const c = await core(bytes);
      const ptrs = new Uint32Array(t.numIds);
      const { kinds, ids, sizes } = t;
      const malloc = c.malloc, free = c.free, realloc = c.realloc;
      for (let i = 0; i < kinds.length; i++) {
        const k = kinds[i], id = ids[i];
        if (k === OP_ALLOC) ptrs[id] = malloc(sizes[i]);
        else if (k === OP_FREE) free(ptrs[id]);
        else ptrs[id] = realloc(ptrs[id], sizes[i]);
      }
      ops += kinds.length;
    }
    return ops;
  };
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
// Replays are timed by hand: each sample instantiates 11 heaps, which benchmark.js cannot do
// outside the timed function. Five rounds, alternating the builds, best of five.
const replayRows = [];
if (traces.length) {
  const runs = Object.fromEntries(await Promise.all(Object.entries(builds).map(async ([n, b]) => [n, await prepareReplay(b)])));
  const best = {};
  for (let round = 0; round < 5; round++) {
    for (const name of Object.keys(builds)) {
      const t0 = performance.now();
      const ops = await runs[name]();
      const ms = performance.now() - t0;
      const rate = ops / (ms / 1000);
      best[name] = Math.max(best[name] ?? 0, rate);
    }
  }
  for (const name of Object.keys(builds)) replayRows.push([`${name}: Malloc Lab suite replay (ops/s, best of 5)`, best[name]]);
}

const results = [];
suite.on("cycle", (e) => { results.push([e.target.name, e.target.hz, e.target.stats.rme]); process.stderr.write(`${e.target}\n`); });
suite.on("complete", () => {
  console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
  console.log("| case | ops/s | ± | checked ÷ unchecked |\n|---|---:|---:|---:|");
  const rows = [...results, ...replayRows.map(([n, hz]) => [n, hz, NaN])];
  for (let i = 0; i < rows.length; i += 2) {
    const [a, b] = [rows[i], rows[i + 1]];
    for (const r of [a, b]) {
      console.log(`| ${r[0]} | ${Math.round(r[1]).toLocaleString("en-US")} | ${Number.isNaN(r[2]) ? "" : `${r[2].toFixed(1)}%`} | ${r === a ? (a[1] / b[1]).toFixed(2) + "×" : ""} |`);
    }
  }
  if (!traces.length) console.log("(no replay: ../shared/traces/malloclab is not beside the project)");
  if (sink === 0.5) console.log(sink);
});
suite.run({ async: false });
