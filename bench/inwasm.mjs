// Malloc Lab traces replayed inside wasm: wasmalloc (default policy) against AssemblyScript's TLSF,
// each trace copied into the module's memory and replayed by an AssemblyScript loop in one call.
//
//   npm run bench:inwasm      (needs ../shared/traces/malloclab beside the project)
//
// Each trace runs on fresh instances of a module compiled once; only the replay call is timed;
// best of 5 after 3 warm-up passes; ops/s summed over the 11 -bal traces.

import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { parseTrace } from "../dist/trace.js";

const SUITE = ["amptjp", "cccp", "cp-decl", "expr", "coalescing", "random", "random2", "binary", "binary2", "realloc", "realloc2"];
const dir = new URL("../../shared/traces/malloclab/", import.meta.url);
if (!existsSync(dir)) {
  console.log("bench:inwasm needs ../shared/traces/malloclab beside the project");
  process.exit(0);
}
const traces = SUITE.map((n) => ({ name: `${n}-bal`, trace: parseTrace(readFileSync(new URL(`${n}-bal.rep`, dir), "utf8")) }));
const builds = {
  wasmalloc: await WebAssembly.compile(readFileSync(new URL("../build/peers/inwasm-wasmalloc.wasm", import.meta.url))),
  tlsf: await WebAssembly.compile(readFileSync(new URL("../build/peers/inwasm-tlsf.wasm", import.meta.url))),
};

async function once(module, t) {
  const { exports } = await WebAssembly.instantiate(module, { env: { abort() { throw new Error("abort"); } } });
  const n = t.kinds.length;
  const ops = exports.buffer(n * 12) >>> 0;
  const ptrs = exports.buffer(t.numIds * 4) >>> 0;
  const words = new Uint32Array(exports.memory.buffer, ops, n * 3);
  for (let i = 0; i < n; i++) { words[3 * i] = t.kinds[i]; words[3 * i + 1] = t.ids[i]; words[3 * i + 2] = t.sizes[i]; }
  new Uint32Array(exports.memory.buffer, ptrs, t.numIds).fill(0);
  const t0 = performance.now();
  exports.replay(ops, n, ptrs);
  return performance.now() - t0;
}

for (let warm = 0; warm < 3; warm++) for (const { trace } of traces) for (const m of Object.values(builds)) await once(m, trace);
const rows = [];
const totals = { wasmalloc: 0, tlsf: 0 };
for (const { name, trace } of traces) {
  const best = {};
  for (const [b, m] of Object.entries(builds)) {
    best[b] = Infinity;
    for (let r = 0; r < 5; r++) best[b] = Math.min(best[b], await once(m, trace));
    totals[b] += best[b];
  }
  rows.push([name, trace.kinds.length, best.wasmalloc, best.tlsf]);
}
const ops = traces.reduce((n, t) => n + t.trace.kinds.length, 0);
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
console.log("| trace | ops | wasmalloc ops/s | TLSF ops/s | wasmalloc ÷ TLSF |\n|---|---:|---:|---:|---:|");
for (const [name, n, w, t] of rows) {
  console.log(`| ${name} | ${n} | ${Math.round(n / (w / 1000)).toLocaleString("en-US")} | ${Math.round(n / (t / 1000)).toLocaleString("en-US")} | ${(t / w).toFixed(2)}× |`);
}
console.log(`| suite | ${ops} | ${Math.round(ops / (totals.wasmalloc / 1000)).toLocaleString("en-US")} | ${Math.round(ops / (totals.tlsf / 1000)).toLocaleString("en-US")} | ${(totals.tlsf / totals.wasmalloc).toFixed(2)}× |`);
