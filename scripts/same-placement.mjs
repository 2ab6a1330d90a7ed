// Whether two release builds place every block alike: for a change to the core that must not move
// any block (a faster path to the same lists, a refactor that changes the code), so that the
// utilization measured on one build holds for the other. Every trace of ../shared/traces (the real
// programs and Malloc Lab) is replayed on a fresh instance of each build, under seven
// configurations (segregated fits with and without the cache, first, next and best fit, and
// deferred coalescing under segregated and first fit); every address malloc and realloc return,
// as an offset from the heap's start (which a change to the state's layout moves), every code
// free returns, and heap_check's verdict at the end must be equal.
//
//   node scripts/same-placement.mjs <before.wasm> <after.wasm>        (npm run same-placement -- …)
//
// Exits 0 when they place alike, 1 at the first difference (printed), and 0 with a message when
// ../shared is not beside the project.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { OP_ALLOC, OP_FREE, parseTrace } from "../dist/tools/trace.js";

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error("usage: node scripts/same-placement.mjs <before.wasm> <after.wasm>");
  process.exit(2);
}
const shared = new URL("../../shared/traces/", import.meta.url);
if (!existsSync(shared)) {
  console.log("same-placement needs ../shared/traces beside the project");
  process.exit(0);
}
/** [label, policy, coalesce, cache]: Policy and Coalesce numbers as in assembly/common.ts. */
const CONFIGS = [
  ["segregated", 3, 0, 1], ["segregated, no cache", 3, 0, 0], ["first fit", 0, 0, 1], ["next fit", 1, 0, 1],
  ["best fit", 2, 0, 1], ["segregated, deferred", 3, 1, 1], ["first fit, deferred", 0, 1, 1],
];
const files = ["real", "malloclab"].flatMap((dir) => readdirSync(new URL(`${dir}/`, shared))
  .filter((f) => f.endsWith(".rep") || f.endsWith(".rep.gz")).map((f) => new URL(`${dir}/${f}`, shared)));
/** heap_stat's index of the prologue's address (assembly/stats.ts, Stat.HEAP_START). */
const HEAP_START = 11;
const modules = [before, after].map((f) => new WebAssembly.Module(readFileSync(f)));

/** Everything the build at `mod` returns while it replays `trace` under `config`. */
function run(mod, trace, [, policy, coalesce, cache]) {
  const e = new WebAssembly.Instance(mod, { env: { abort() { throw new Error("abort"); } } }).exports;
  if (e.heap_configure(policy, coalesce, 0, 65536) !== 0) throw new Error("heap_configure refused");
  e.heap_set_cache(cache);
  const start = e.heap_stat(HEAP_START);
  const offset = (p) => (p === 0 ? "0" : `heapStart + ${p - start}`);
  const ptrs = new Uint32Array(trace.numIds);
  const out = [];
  for (let i = 0; i < trace.kinds.length; i++) {
    const id = trace.ids[i];
    if (trace.kinds[i] === OP_ALLOC) out.push(offset(ptrs[id] = e.malloc(trace.sizes[i]) >>> 0));
    else if (trace.kinds[i] === OP_FREE) out.push(e.free(ptrs[id]));
    else out.push(offset(ptrs[id] = e.realloc(ptrs[id], trace.sizes[i]) >>> 0));
  }
  out.push(e.heap_check());
  return { out, start };
}

let starts = null;                          // the heap's start in each build, when they differ
for (const file of files) {
  const bytes = readFileSync(file);
  const trace = parseTrace(file.pathname.endsWith(".gz") ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8"));
  for (const config of CONFIGS) {
    const [{ out: a, start: startA }, { out: b, start: startB }] = modules.map((m) => run(m, trace, config));
    if (startA !== startB) starts = [startA, startB];
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0) {
      console.log(`${file.pathname.split("/").pop()}, ${config[0]}: result ${i} differs (${a[i]} before, ${b[i]} after)`);
      process.exit(1);
    }
  }
}
if (starts) console.log(`the heap starts at ${starts[0]} before and ${starts[1]} after (the state's layout changed); addresses were compared as offsets from it`);
console.log(`the same placement: ${files.length} traces × ${CONFIGS.length} configurations, every result equal`);
