// One heap shared by Node workers: N workers each run M random operations, with blocks handed
// to (and freed by) another worker; afterwards check() is clean, every stamp held, and once all
// have freed everything and detached, no byte is in use.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { attachHeap, createHeap, HeapError } from "../src/index.js";
import type { SharedHeap } from "../src/index.js";

const WORKER = new URL("./fixtures/shared-worker.mjs", import.meta.url);
const NEIGHBOURS = new URL("./fixtures/shared-neighbours.mjs", import.meta.url);

async function stress(workers: number, ops: number, cache: boolean | boolean[], seed = 7) {
  const heap = await createHeap({ shared: true, maximumPages: 1024 });
  const rings = Array.from({ length: workers }, () => new SharedArrayBuffer(4 * (2 + 3 * 1024)));
  const done = new SharedArrayBuffer(4);
  const results = await Promise.all(Array.from({ length: workers }, (_, id) => new Promise<{ failure: string | null; handed: number; freed: number }>((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: { handle: heap.share(), id, workers, ops, seed, rings, done, cache: Array.isArray(cache) ? cache[id] : cache } });
    w.once("message", resolve);
    w.once("error", reject);
  })));
  return { heap, results };
}

/**
 * The heap as it is once `heap`'s instance has given its cached blocks back (dispose), read
 * through a new instance on the same memory.
 */
async function settled(heap: SharedHeap): Promise<SharedHeap> {
  const handle = heap.share();
  heap.dispose();
  return attachHeap(handle, { cache: false });
}

describe("a heap shared by workers", () => {
  it.each([true, false])("3 workers × 100,000 operations, cross-worker frees, cache %s", async (cache) => {
    const { heap, results } = await stress(3, 100_000, cache);
    for (const r of results) expect(r.failure).toBeNull();
    expect(results.reduce((n, r) => n + r.handed, 0)).toBeGreaterThan(1000);   // blocks really crossed workers
    expect(heap.check()).toBeNull();
    expect((await settled(heap)).stats()).toMatchObject({ usedBytes: 0, usedBlocks: 0 });
  }, 120_000);

  // The start table moves into memory that one worker has just grown, while an instance on
  // another thread may still see the memory's old size: the pointer check must not take that
  // size for a bound (it refused a live block's free in about 1 run in 50 of these).
  it("cached workers free while the heap grows and the start table moves, over 12 runs", async () => {
    for (let seed = 100; seed < 112; seed++) {
      const { heap, results } = await stress(3, 100_000, true, seed);
      for (const r of results) expect(r.failure, `seed ${seed}`).toBeNull();
      expect(heap.stats().guardBytes, `seed ${seed}: the table moved`).toBeGreaterThan(0);
      expect(heap.check()).toBeNull();
      heap.dispose();
    }
  }, 240_000);

  // A cached free checks its pointer without the lock while the other workers change the heap
  // under it: the check's steps through neighbouring headers must never refuse a live block.
  it("a cached worker frees without the lock while two uncached workers change the heap", async () => {
    const { heap, results } = await stress(3, 300_000, [true, false, false]);
    for (const r of results) expect(r.failure).toBeNull();
    expect(heap.check()).toBeNull();
    expect((await settled(heap)).stats()).toMatchObject({ usedBytes: 0, usedBlocks: 0 });
  }, 120_000);

  // #12.7: a cache owner flips the C bit of its blocks without the lock while the lock holder
  // flips the L bit in the same header words (the blocks lie side by side). A lost update would
  // show as a refused free, or as a wrong L or C bit in check() at the end. With the L-bit updates
  // made plain read-modify-writes, this failed 1 run in 3 of 1,000 rounds on 2 idle cores (it
  // needs both workers really running at once); as built, it passes.
  it("no header bit is lost between a cached worker and an uncached one working on neighbours", async () => {
    const ROUNDS = Number(process.env.WASMALLOC_NEIGHBOUR_ROUNDS ?? 2000);
    const heap = await createHeap({ shared: true, maximumPages: 256 });
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < 2000; i++) {
      small.push(heap.malloc(24));                      // cached sizes: their C bit flips
      large.push(heap.malloc(300));                     // too large to cache: freed under the lock
    }
    const start = new SharedArrayBuffer(4);
    const run = (blocks: number[], size: number, cache: boolean) => new Promise<{ failure: string | null }>((resolve, reject) => {
      const w = new Worker(NEIGHBOURS, { workerData: { handle: heap.share(), blocks, size, rounds: ROUNDS, cache, start } });
      w.once("message", resolve);
      w.once("error", reject);
    });
    const results = await Promise.all([run(small, 24, true), run(large, 300, false)]);
    for (const r of results) expect(r.failure).toBeNull();
    expect(heap.check()).toBeNull();
    expect((await settled(heap)).stats()).toMatchObject({ usedBytes: 0, usedBlocks: 0 });
  }, 120_000);

  it("a cached free refuses foreign pointers exactly, whatever lies at ptr - 4", async () => {
    const heap = await createHeap({ shared: true });
    const p = heap.malloc(64);
    const dv = new DataView(heap.memory.buffer);
    dv.setUint32(p + 12, 0, true);           // a "header" of size 0 at p + 16 - 4
    dv.setUint32(p + 28, 40 | 3, true);      // a cacheable-looking one at p + 32 - 4
    for (const q of [p + 16, p + 32, p + 8, heap.stats().heapStart + heap.stats().extent + 64]) {
      expect(() => heap.free(q)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
    }
    heap.free(p);
    expect(() => heap.free(p)).toThrow(expect.objectContaining({ code: "double-free" }));
    expect(heap.check()).toBeNull();
  });

  it("attaching re-runs nothing: the heap and its blocks are as they were", async () => {
    const heap = await createHeap({ shared: true, policy: "best-fit" });
    const p = heap.malloc(300);
    new Uint8Array(heap.memory.buffer, p, 300).fill(0x42);
    const before = heap.stats();
    const other = await attachHeap(heap.share());
    expect(other.policy).toBe("best-fit");
    expect(other.stats()).toEqual(before);
    expect(new Uint8Array(other.memory.buffer, p, 300).every((b) => b === 0x42)).toBe(true);
    other.free(p);                                       // freed through the other instance
    expect(() => heap.free(p)).toThrow(HeapError);       // and that is a double free here
    const handle = heap.share();
    heap.dispose();
    other.dispose();
    expect(() => heap.malloc(8)).toThrow(expect.objectContaining({ code: "disposed", message: "malloc(): the heap was disposed" }));
    expect(() => heap.share()).toThrow(expect.objectContaining({ code: "disposed" }));
    heap.dispose();                                      // a second dispose does nothing
    const view = await attachHeap(handle);               // the heap itself lives on, for every other instance
    expect(view.stats().usedBlocks).toBe(0);
    expect(view.check()).toBeNull();
  });

  it("refuses what is not a handle, and shared with debug", async () => {
    await expect(attachHeap({} as never)).rejects.toThrow(TypeError);
    await expect(createHeap({ shared: true, debug: true })).rejects.toThrow(/both shared and debug/);
  });
});
