// Call cost and malloc/free pairs, from JS, with benchmark.js.
//
//   npm run bench            (builds first)
//
// Cases, all in one run so that ratios are comparable:
//   - call cost: a wasm export that does one load (heap_last_error), the floor for any call;
//   - malloc+free of 64 bytes through the raw exports, per policy;
//   - the same through the typed wrapper (argument checks, >>> 0, error mapping).
// The output is a table of ops/s and ratios against the raw first-fit pair.

import Benchmark from "benchmark";
import os from "node:os";
import { createHeap } from "../dist/index.js";
import { instantiateCore } from "../dist/loader.js";

const policies = ["first-fit", "next-fit", "best-fit", "segregated"];
const suite = new Benchmark.Suite("pairs");
let sink = 0;

const callCore = await instantiateCore();
suite.add("call cost: one export that loads a word", () => { sink ^= callCore.heap_last_error(); });

for (const policy of policies) {
  const raw = await instantiateCore();
  raw.heap_configure(policies.indexOf(policy), 0, 1, 65536);
  // Keep some live blocks around so that the free list is not trivially empty.
  const keep = [];
  for (let i = 0; i < 64; i++) keep.push(raw.malloc(16 + (i % 7) * 8));
  for (let i = 0; i < 64; i += 2) raw.free(keep[i]);
  suite.add(`raw exports: malloc(64)+free, ${policy}`, () => { const p = raw.malloc(64); sink ^= p; raw.free(p); });
}
for (const policy of policies) {
  const heap = await createHeap({ policy });
  const keep = [];
  for (let i = 0; i < 64; i++) keep.push(heap.malloc(16 + (i % 7) * 8));
  for (let i = 0; i < 64; i += 2) heap.free(keep[i]);
  suite.add(`typed API: malloc(64)+free, ${policy}`, () => { const p = heap.malloc(64); sink ^= p; heap.free(p); });
}

const results = [];
suite.on("cycle", (e) => { results.push(e.target); process.stderr.write(`${e.target}\n`); });
suite.on("complete", () => {
  const ref = results.find((r) => r.name === "raw exports: malloc(64)+free, first-fit").hz;
  console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
  console.log("| case | ops/s | ± | vs raw first-fit pair |\n|---|---:|---:|---:|");
  for (const r of results) {
    console.log(`| ${r.name} | ${Math.round(r.hz).toLocaleString("en-US")} | ${r.stats.rme.toFixed(1)}% | ${(r.hz / ref).toFixed(2)}× |`);
  }
  if (sink === 0.5) console.log(sink);
});
suite.run({ async: false });
