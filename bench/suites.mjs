// benchmark.js suites: every allocator on the same small workloads, from JS.
//
//   npm run bench:suites
//
// The call-cost baseline comes first, so the rest can be read against it. Then each suite runs
// wasmalloc in every policy, the JS pool, AssemblyScript's TLSF and @thi.ng/malloc (bench/peers.mjs),
// and reports ratios against TLSF in the same suite:
//   - fixed-size pairs: malloc(64) then free;
//   - random sizes: 256 live blocks of 8 B to 4 KiB, one freed and one allocated per step;
//   - realloc growth: a vector grown from 16 bytes by x1.5 to 64 KiB, then freed;
//   - calloc: calloc(16, 16) then free.

import Benchmark from "benchmark";
import os from "node:os";
import { instantiateCore } from "../dist/loader.js";
import { seededRandom } from "../dist/tools/index.js";
import { ALLOCATORS, makeAllocator } from "./peers.mjs";

const rand = seededRandom(11);
const sizes = Array.from({ length: 4096 }, () => 8 + Math.floor(rand() ** 2 * 4088));
const growth = [];
for (let n = 16; n < 65536; n = Math.ceil(n * 1.5)) growth.push(n);
let sink = 0;

const suites = {
  "fixed-size pairs": (a) => () => { const p = a.malloc(64); sink ^= p; a.free(p); },
  "random sizes": (a) => {
    const live = new Array(256).fill(0);
    let i = 0;
    return () => {
      const k = i & 255;
      if (live[k]) a.free(live[k]);
      live[k] = a.malloc(sizes[i++ & 4095]);
    };
  },
  "realloc growth": (a) => () => {
    let p = 0;
    for (const n of growth) p = a.realloc(p, n);
    a.free(p);
  },
  calloc: (a) => () => { const p = a.calloc(16, 16); sink ^= p; a.free(p); },
};

const rows = [];
async function run(title, cases) {
  const suite = new Benchmark.Suite(title);
  for (const [name, fn] of cases) suite.add(name, fn);
  const results = [];
  suite.on("cycle", (e) => { results.push(e.target); process.stderr.write(`${title}: ${e.target}\n`); });
  suite.run({ async: false });
  const ref = results.find((r) => r.name === "tlsf")?.hz;
  for (const r of results) rows.push([title, r.name, r.hz, r.stats.rme, ref ? r.hz / ref : NaN]);
}

const core = await instantiateCore();
await run("call cost", [["one wasm export that loads a word", () => { sink ^= core.heap_last_error(); }]]);
for (const [title, make] of Object.entries(suites)) {
  const cases = [];
  for (const name of ALLOCATORS) cases.push([name, make(await makeAllocator(name))]);
  await run(title, cases);
}

console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
console.log("| suite | allocator | ops/s | ± | vs TLSF |\n|---|---|---:|---:|---:|");
for (const [suite, name, hz, rme, ratio] of rows) {
  console.log(`| ${suite} | ${name} | ${Math.round(hz).toLocaleString("en-US")} | ${rme.toFixed(1)}% | ${Number.isNaN(ratio) ? "" : `${ratio.toFixed(2)}×`} |`);
}
if (sink === 0.5) console.log(sink);
