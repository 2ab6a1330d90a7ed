// Trust (#12.4, #12.5): live data that does not grow must not grow the heap, under every policy,
// and the peak of used bytes is never more than usedBytes reached.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { seededRandom } from "../src/tools/index.js";
import { CONFIGS } from "./helpers.js";

const MiB = 2 ** 20;

describe("realloc does not grow the heap under a block while a free block could take it (#12.4)", () => {
  it.each(CONFIGS)("$policy, $coalesce: a vector doubled to 16 MiB beside a free 40 MiB block stays within it", async (config) => {
    const heap = await createHeap(config);
    const big = heap.malloc(40 * MiB);
    let v = heap.malloc(1024);                     // after big: it ends the heap
    heap.free(big);
    const extent = heap.stats().extent;
    for (let n = 2048; n <= 16 * MiB; n *= 2) v = heap.realloc(v, n);
    expect(heap.stats().extent).toBe(extent);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy, $coalesce: one block realloc'd 20,000 times below 256 KiB keeps the heap within a few times its size", async (config) => {
    const heap = await createHeap(config);
    const rand = seededRandom(7);
    let p = heap.malloc(16);
    for (let i = 0; i < 20_000; i++) p = heap.realloc(p, 1 + Math.floor(rand() * 256 * 1024));
    expect(heap.stats().extent).toBeLessThan(4 * 256 * 1024);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy, $coalesce: four live vectors, grown and shrunk over 200 rounds, keep the heap bounded", async (config) => {
    const heap = await createHeap(config);
    const rand = seededRandom(11);
    const v = [0, 0, 0, 0].map(() => heap.malloc(64));
    let live = 0;
    for (let round = 0; round < 200; round++) {
      const k = round % 4;
      const n = 1 + Math.floor(rand() * 2 * MiB);
      v[k] = heap.realloc(v[k], n);
      v[k] = heap.realloc(v[k], Math.ceil(n / 4));
      live = Math.max(live, heap.stats().usedBytes);
    }
    expect(heap.stats().extent).toBeLessThan(8 * 2 * MiB + 4 * live);
    expect(heap.check()).toBeNull();
  });
});

describe("peakUsedBytes is the peak that usedBytes reached (#12.5)", () => {
  it.each(CONFIGS)("$policy, $coalesce: growing a block by 104 bytes into a free neighbour", async (config) => {
    const heap = await createHeap(config);
    const a = heap.malloc(150_000);
    const b = heap.malloc(100_000);                   // a's right neighbour
    heap.malloc(16);
    const peak = heap.stats().peakUsedBytes;          // a and b both live
    heap.free(b);
    expect(heap.realloc(a, 150_104)).toBe(a);         // grows into b's space, and gives the rest back
    expect(heap.stats().usedBytes).toBeLessThan(peak);
    expect(heap.stats().peakUsedBytes).toBe(peak);    // growing in place never passed it
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy, $coalesce: random operations: the peak is the largest usedBytes seen after any call", async (config) => {
    const heap = await createHeap(config);
    const rand = seededRandom(3);
    const live: number[] = [];
    let peak = 0;
    for (let i = 0; i < 5000; i++) {
      const r = rand();
      if (r < 0.4 || live.length === 0) live.push(heap.malloc(1 + Math.floor(rand() * 4096)));
      else if (r < 0.7) heap.free(live.splice(Math.floor(rand() * live.length), 1)[0]);
      else if (r < 0.9) { const k = Math.floor(rand() * live.length); live[k] = heap.realloc(live[k], 1 + Math.floor(rand() * 8192)); }
      else live.push(heap.alignedAlloc(2 ** (4 + Math.floor(rand() * 8)), 1 + Math.floor(rand() * 2048)));
      peak = Math.max(peak, heap.stats().usedBytes);
    }
    expect(heap.stats().peakUsedBytes).toBe(peak);
  });
});
