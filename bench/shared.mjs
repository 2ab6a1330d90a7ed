// Shared-heap throughput: 1, 2 and 4 Node workers on one heap, each running malloc/free pairs of
// small random sizes (with a few blocks kept live), with and without the per-worker caches.
//
//   npm run bench:shared
//
// Reported: total operations per second over all workers (wall clock from the start signal to
// the last worker's end), best of 3 runs, as ratios against 1 worker with caches.

import os from "node:os";
import { Worker } from "node:worker_threads";
import { createHeap } from "../dist/index.js";

const OPS = 400_000;
const worker = new URL("data:text/javascript," + encodeURIComponent(`
import { workerData, parentPort } from "node:worker_threads";
import { attachHeap } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
const { handle, ops, go, cache, seed } = workerData;
const heap = await attachHeap(handle, { cache });
const keep = new Array(64).fill(0);
let s = seed;
parentPort.postMessage("ready");
Atomics.wait(new Int32Array(go), 0, 0);
for (let i = 0; i < ops; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  const k = s & 63;
  if (keep[k]) heap.free(keep[k]);
  keep[k] = heap.malloc(8 + (s >>> 8) % 120);
}
for (const p of keep) if (p) heap.free(p);
heap.dispose();
parentPort.postMessage("done");
`));

async function run(workers, cache) {
  const heap = await createHeap({ shared: true, maximumPages: 4096 });
  const go = new SharedArrayBuffer(4);
  const ws = Array.from({ length: workers }, (_, i) => new Worker(worker, { workerData: { handle: heap.share(), ops: OPS, go, cache, seed: i + 1 } }));
  await Promise.all(ws.map((w) => new Promise((r) => w.once("message", r))));
  const t0 = performance.now();
  Atomics.store(new Int32Array(go), 0, 1);
  Atomics.notify(new Int32Array(go), 0);
  await Promise.all(ws.map((w) => new Promise((r) => w.once("message", r))));
  const ms = performance.now() - t0;
  if (heap.check() !== null || heap.stats().usedBlocks !== 0) throw new Error("bench: the heap is not clean afterwards");
  await Promise.all(ws.map((w) => w.terminate()));
  return (workers * OPS * 2) / (ms / 1000);             // a malloc and a free per iteration
}

const rows = [];
for (const cache of [true, false]) {
  for (const workers of [1, 2, 4]) {
    let best = 0;
    for (let i = 0; i < 3; i++) best = Math.max(best, await run(workers, cache));
    rows.push([workers, cache, best]);
  }
}
const ref = rows[0][2];
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
console.log("| workers | caches | ops/s (all workers) | vs 1 worker with caches |\n|---:|---|---:|---:|");
for (const [w, c, hz] of rows) console.log(`| ${w} | ${c ? "on" : "off"} | ${Math.round(hz).toLocaleString("en-US")} | ${(hz / ref).toFixed(2)}× |`);
