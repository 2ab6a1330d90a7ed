// What memory.grow costs in V8, and so where a larger growth step would pay off.
//
//   npm run bench:grow
//
// 1. A bare WebAssembly.Memory grown from 1 page to 256 MiB in steps of 1, 4, 16, 64 and 256
//    pages: total time, calls, and time per call in each 32 MiB band.
// 2. wasmalloc filling 256 MiB with 1 KiB blocks: it grows memory by the pages it needs below
//    1 MiB and 1/20 ahead above (assembly/brk.ts); the time is
//    compared with the same run on a heap whose initialPages already covers it (no growth at
//    all). Best of three, alternating.

import os from "node:os";
import { createHeap } from "../dist/index.js";

const PAGE = 65536;
const TARGET = 256 * 2 ** 20;
const rows = [];
for (const step of [1, 4, 16, 64, 256]) {
  let best = Infinity;
  let bands = [];
  for (let r = 0; r < 3; r++) {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const perBand = new Array(8).fill(0);
    const callsPerBand = new Array(8).fill(0);
    const t0 = performance.now();
    while (mem.buffer.byteLength < TARGET) {
      const band = Math.min(7, Math.floor(mem.buffer.byteLength / (32 * 2 ** 20)));
      const s = performance.now();
      mem.grow(step);
      perBand[band] += performance.now() - s;
      callsPerBand[band]++;
    }
    const ms = performance.now() - t0;
    if (ms < best) { best = ms; bands = perBand.map((t, i) => (callsPerBand[i] ? (t / callsPerBand[i]) * 1000 : 0)); }
  }
  rows.push([step, TARGET / PAGE / step, best, bands]);
}

async function fill(initialPages) {
  const heap = await createHeap({ initialPages });
  const t0 = performance.now();
  for (let i = 0; i < TARGET / 1040; i++) heap.malloc(1024);
  return [performance.now() - t0, heap.stats().growCalls];
}
let [grownMs, grownCalls, presetMs, presetCalls] = [Infinity, 0, Infinity, 0];
for (let r = 0; r < 3; r++) {                        // alternating, best of three
  const [g, gc] = await fill(1);
  const [p, pc] = await fill(4200);
  if (g < grownMs) [grownMs, grownCalls] = [g, gc];
  if (p < presetMs) [presetMs, presetCalls] = [p, pc];
}

console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores`);
console.log("| step (pages) | calls | total ms | µs per call by band: 0–32, 32–64, 64–96, …, 224–256 MiB |\n|---:|---:|---:|---|");
for (const [step, calls, ms, bands] of rows) console.log(`| ${step} | ${calls} | ${ms.toFixed(1)} | ${bands.map((b) => b.toFixed(0)).join(" · ")} |`);
console.log(`\nwasmalloc filling 256 MiB with 1 KiB blocks: ${grownMs.toFixed(1)} ms with ${grownCalls} memory.grow calls, ${presetMs.toFixed(1)} ms with memory preset by initialPages (${presetCalls} memory.grow call${presetCalls === 1 ? "" : "s"}: at creation, and for what initialPages did not cover): the difference, ${(grownMs - presetMs).toFixed(1)} ms, is what growing costs.`);
