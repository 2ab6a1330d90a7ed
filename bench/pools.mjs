// Pools against malloc against the JS pool, from JS, with benchmark.js.
//
//   npm run bench:pools
//
// - one-size objects (48 bytes): alloc+free pairs, and a batch of 1,000 allocations then their frees;
// - a request served by an arena (100 allocations of mixed sizes, then reset) against the same
//   100 allocations by malloc then 100 frees.

import Benchmark from "benchmark";
import os from "node:os";
import { createHeap, createJsPool } from "../dist/index.js";
import { seededRandom } from "../dist/tools/index.js";

const heap = await createHeap();
const pool = heap.fixedPool(48);
const js = createJsPool();
const arena = heap.arena();
const rand = seededRandom(5);
const sizes = Array.from({ length: 100 }, () => 8 + Math.floor(rand() * 300));
const batch = new Array(1000);
let sink = 0;

const suite = new Benchmark.Suite("pools");
suite
  .add("one size, pair: fixedPool alloc+free", () => { const p = pool.alloc(); sink ^= p; pool.free(p); })
  .add("one size, pair: heap malloc+free", () => { const p = heap.malloc(48); sink ^= p; heap.free(p); })
  .add("one size, pair: JS pool malloc+free", () => { const p = js.malloc(48); sink ^= p; js.free(p); })
  .add("one size, 1,000 then free: fixedPool", () => { for (let i = 0; i < 1000; i++) batch[i] = pool.alloc(); for (let i = 0; i < 1000; i++) pool.free(batch[i]); })
  .add("one size, 1,000 then free: heap", () => { for (let i = 0; i < 1000; i++) batch[i] = heap.malloc(48); for (let i = 0; i < 1000; i++) heap.free(batch[i]); })
  .add("one size, 1,000 then free: JS pool", () => { for (let i = 0; i < 1000; i++) batch[i] = js.malloc(48); for (let i = 0; i < 1000; i++) js.free(batch[i]); })
  .add("request of 100 allocations: arena then reset", () => { for (const n of sizes) sink ^= arena.alloc(n); arena.reset(); })
  .add("request of 100 allocations: malloc then free", () => { for (let i = 0; i < 100; i++) batch[i] = heap.malloc(sizes[i]); for (let i = 0; i < 100; i++) heap.free(batch[i]); });

const results = [];
suite.on("cycle", (e) => { results.push(e.target); process.stderr.write(`${e.target}\n`); });
suite.on("complete", () => {
  console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
  console.log("| case | ops/s | ± | vs heap in its group |\n|---|---:|---:|---:|");
  const groups = [[0, 3, 1], [3, 6, 4], [6, 8, 7]];
  for (const [from, to, ref] of groups) {
    for (const r of results.slice(from, to)) {
      console.log(`| ${r.name} | ${Math.round(r.hz).toLocaleString("en-US")} | ${r.stats.rme.toFixed(1)}% | ${(r.hz / results[ref].hz).toFixed(2)}× |`);
    }
  }
  if (sink === 0.5) console.log(sink);
});
suite.run({ async: false });
