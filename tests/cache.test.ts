// The cache of small freed blocks (assembly/cache.ts): what it reuses, what it refuses, and that
// it never costs the heap memory or a request that would have succeeded without it.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import type { Heap } from "../src/index.js";
import { HEADER, PAGE } from "./helpers.js";

/**
 * A heap with a 256 KiB block at its start, so that the cache (at most 1/64 of the extent) may
 * hold 4 KiB: the tests' handful of small blocks.
 */
async function roomyHeap(options: Parameters<typeof createHeap>[0] = {}) {
  const heap = await createHeap(options);
  heap.malloc(256 * 1024);
  return heap;
}

/**
 * Frees the cached block `a` (a payload of `n` bytes) again, and takes its usable size and
 * reallocates it: each is refused as a double free; every other address in and around it is
 * refused as an invalid pointer; the heap is as it was.
 */
function expectRefusedAsCached(heap: Heap, a: number, n: number): void {
  const before = heap.stats();
  expect(() => heap.free(a)).toThrow(expect.objectContaining({ code: "double-free" }));
  expect(() => heap.usableSize(a)).toThrow(expect.objectContaining({ code: "double-free" }));
  expect(() => heap.realloc(a, 2 * n)).toThrow(expect.objectContaining({ code: "double-free" }));
  for (let p = a - 12; p < a + n; p += 4) if (p !== a) expect(() => heap.free(p)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
  expect(heap.stats()).toEqual(before);
  expect(heap.check()).toBeNull();
}

/** The header word of the block whose payload is p. */
const headerOf = (heap: Heap, p: number) => new DataView(heap.memory.buffer).getUint32(p - HEADER, true);

describe("the cache of small freed blocks", () => {
  it("gives a freed small block back to the next malloc of its size, without merging it", async () => {
    const heap = await roomyHeap();
    const keep = heap.malloc(8);
    const a = heap.malloc(40);
    const b = heap.malloc(40);
    heap.free(a);
    heap.free(b);                            // a free neighbour, yet no merge: both wait in the bin
    expect(heap.stats()).toMatchObject({ cachedBlocks: 2, cachedBytes: 96, usedBlocks: 2 });   // (keep and roomyHeap's block)
    expect(heap.blocks().filter((x) => x.kind === "cached").map((x) => x.address + HEADER)).toEqual([b, a].sort((x, y) => x - y));
    expect(heap.check()).toBeNull();
    expect(heap.malloc(40)).toBe(b);         // the last one in comes out first
    expect(heap.malloc(44)).toBe(a);         // (44 bytes take the same 48-byte block)
    expect(heap.stats()).toMatchObject({ cachedBlocks: 0, usedBlocks: 4 });
    heap.free(keep);
  });

  it("refuses a second free of a cached block as a double free, and every other use of it", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(100);
    heap.free(a);
    expectRefusedAsCached(heap, a, 100);
  });

  it("a cached block is never taken for a pool's handle", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const pool = heap.fixedPool(24);
    const slot = pool.alloc();
    const a = heap.malloc(40);
    heap.free(a);                            // cached: its header has the bit that internal blocks have
    expect(() => heap.free(slot - 16)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
    expect(heap.check()).toBeNull();
    pool.free(slot);
    pool.dispose();
  });

  it("never makes the heap grow: it is merged before the heap grows", async () => {
    // The same calls on a heap without the cache, whose free blocks are what the cached heap's
    // become once merged: its largest free block must serve the request on the cached heap too.
    const run = async (cache: boolean) => {
      const heap = await roomyHeap({ cache });
      const blocks = Array.from({ length: 64 }, (_, i) => heap.malloc(200 + (i % 5) * 64));
      heap.malloc(8);
      for (const p of blocks) heap.free(p);    // one run of ~28 KB, cut by the cached blocks
      return heap;
    };
    const plain = await run(false);
    const heap = await run(true);
    expect(heap.stats().cachedBlocks).toBeGreaterThan(0);
    const extent = heap.stats().extent;
    expect(heap.stats().extent).toBe(plain.stats().extent);
    const big = heap.malloc(plain.stats().largestFree - HEADER);
    expect(big).not.toBe(0);
    expect(heap.stats()).toMatchObject({ extent, cachedBlocks: 0 });
    expect(heap.check()).toBeNull();
  });

  it("a request that fails empties the cache, and leaves the free bytes as they were", async () => {
    const heap = await roomyHeap({ maximumPages: 6 });
    heap.malloc(8);
    const a = heap.malloc(200);
    heap.free(a);
    const before = heap.stats();
    expect(before.cachedBlocks).toBe(1);
    expect(heap.malloc(8 * PAGE)).toBe(0);
    const after = heap.stats();
    expect(after).toMatchObject({ cachedBlocks: 0, extent: before.extent, freeBytes: before.freeBytes, usedBytes: before.usedBytes });
    expect(heap.check()).toBeNull();
  });

  it("freeing the last used block leaves one free block", async () => {
    const heap = await createHeap();
    const ps = [256 * 1024, 24, 40, 100, 300, 5000, 16, 480].map((n) => heap.malloc(n));
    for (const p of ps) heap.free(p);
    expect(heap.stats()).toMatchObject({ usedBlocks: 0, cachedBlocks: 0, freeBlocks: 1 });
    expect(heap.check()).toBeNull();
  });

  it("realloc grows a block into its cached right neighbour, and leaves the rest of the cache", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(40);
    const b = heap.malloc(40);
    heap.malloc(8);
    const c = heap.malloc(100);
    heap.malloc(8);
    heap.free(b);
    heap.free(c);
    expect(heap.stats().cachedBlocks).toBe(2);
    expect(heap.realloc(a, 80)).toBe(a);     // b is freed for real and a grows over it
    expect(heap.stats()).toMatchObject({ cachedBlocks: 1, cachedBytes: 104 });   // c still waits
    expect(heap.check()).toBeNull();
  });

  it("holds blocks up to 512 bytes in its bins, at most 8 of a size", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const small = Array.from({ length: 10 }, () => heap.malloc(60));
    const big = heap.malloc(5000);           // (above the victim's 4 KiB too)
    heap.malloc(8);
    for (const p of small) heap.free(p);
    heap.free(big);
    expect(heap.stats().cachedBlocks).toBe(8);
    expect(heap.blocks().filter((x) => x.kind === "cached").every((x) => x.size === 64)).toBe(true);
    expect(heap.check()).toBeNull();
  });

  it("is off with cache: false, on the debug heap, and under the chapter's policies", async () => {
    for (const options of [{ cache: false }, { debug: true }, { policy: "best-fit" as const }, { coalesce: "deferred" as const }]) {
      const heap = await roomyHeap(options);
      heap.malloc(8);
      heap.free(heap.malloc(40));
      expect(heap.stats().cachedBlocks).toBe(0);
    }
  });

  it("holds at most 1/64 of the extent: little on a small heap", async () => {
    const heap = await createHeap();
    const keep = heap.malloc(8);
    const blocks = Array.from({ length: 8 }, () => heap.malloc(100));
    heap.malloc(8);
    for (const p of blocks) heap.free(p);
    const { cachedBytes, extent } = heap.stats();
    expect(cachedBytes).toBeLessThanOrEqual(extent / 64);
    expect(heap.check()).toBeNull();
    heap.free(keep);
  });

  it("check() reports a broken bin as I18", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(40);
    heap.free(a);
    expect(headerOf(heap, a) & 4).toBe(4);
    new DataView(heap.memory.buffer).setUint32(a, a - HEADER, true);   // its bin link, to itself
    expect(heap.check()).toMatchObject({ invariant: 18 });
  });

  it("check() guards the victim word as I18", async () => {
    const heap = await roomyHeap();
    // The word lies at the end of the state's cache area, 8 bytes before the heap's start.
    const word = heap.stats().heapStart - 8;
    const view = () => new DataView(heap.memory.buffer);
    const small = heap.malloc(508);          // a 512-byte block: the largest a bin holds
    const large = heap.malloc(516);          // 520 bytes: the victim's smallest
    heap.malloc(8);
    heap.free(small);
    heap.free(large);
    expect(heap.stats()).toMatchObject({ cachedBlocks: 2, cachedBytes: 1032 });
    expect(view().getUint32(word, true)).toBe(large - HEADER);
    expect(heap.check()).toBeNull();
    view().setUint32(large, large - HEADER, true);   // its link word, which must be 0, to itself
    expect(heap.check()).toMatchObject({ invariant: 18 });
    view().setUint32(large, 0, true);
    // A word that names nothing leaves the block marked cached but in no bin: the walk counts it
    // as used, and the statistics disagree (I11, which the checker tests before I18).
    view().setUint32(word, 0, true);
    expect(heap.check()).toMatchObject({ invariant: 11 });
    view().setUint32(word, large - HEADER, true);
    expect(heap.check()).toBeNull();
    expect(heap.malloc(516)).toBe(large);    // from the victim
    expect(heap.malloc(508)).toBe(small);    // from its bin
    expect(view().getUint32(word, true)).toBe(0);
    expect(heap.check()).toBeNull();
  });
});

describe("the victim: the last freed block of 520 bytes to 4 KiB", () => {
  it("gives a freed 1 KiB block back to the next malloc of its size, and no other", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(1024);
    heap.malloc(8);
    heap.free(a);
    expect(heap.stats()).toMatchObject({ cachedBlocks: 1, cachedBytes: 1032 });
    expect(heap.blocks().find((x) => x.address + HEADER === a)?.kind).toBe("cached");
    const other = heap.malloc(1000);         // a 1,008-byte block: not the victim's size
    expect(other).not.toBe(a);
    expect(heap.stats().cachedBlocks).toBe(1);
    expect(heap.malloc(1024)).toBe(a);       // no merge, no split: the same block
    expect(heap.stats()).toMatchObject({ cachedBlocks: 0, cachedBytes: 0 });
    expect(heap.check()).toBeNull();
  });

  it("holds one block: the next one freed displaces it, which is merged and listed", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(700);
    const b = heap.malloc(900);
    heap.malloc(8);
    heap.free(a);
    const freeBefore = heap.stats().freeBlocks;
    heap.free(b);                            // b is held, a is freed for real (and merges with nothing used)
    expect(heap.stats()).toMatchObject({ cachedBlocks: 1, cachedBytes: 904, freeBlocks: freeBefore + 1 });
    expect(heap.blocks().find((x) => x.address + HEADER === a)?.kind).toBe("free");
    expect(heap.blocks().find((x) => x.address + HEADER === b)?.kind).toBe("cached");
    expect(heap.check()).toBeNull();
  });

  it("never holds a block above 4 KiB", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(4096);             // a 4,104-byte block: the largest the victim holds
    const b = heap.malloc(4101);             // 4,112 bytes
    heap.malloc(8);
    heap.free(b);
    expect(heap.stats().cachedBlocks).toBe(0);
    heap.free(a);
    expect(heap.stats()).toMatchObject({ cachedBlocks: 1, cachedBytes: 4104 });
    expect(heap.check()).toBeNull();
  });

  it("refuses a second free of the victim as a double free, and realloc and usableSize of it", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(2000);
    heap.malloc(8);
    heap.free(a);
    expect(heap.stats().cachedBlocks).toBe(1);
    expectRefusedAsCached(heap, a, 2000);
  });

  it("realloc grows a block into the victim beside it", async () => {
    const heap = await roomyHeap();
    heap.malloc(8);
    const a = heap.malloc(40);
    const b = heap.malloc(1500);
    heap.malloc(8);
    heap.free(b);
    expect(heap.stats().cachedBlocks).toBe(1);
    expect(heap.realloc(a, 1000)).toBe(a);   // the victim is freed for real and a grows over it
    expect(heap.stats()).toMatchObject({ cachedBlocks: 0, cachedBytes: 0 });
    expect(heap.check()).toBeNull();
  });

  it("is emptied with the bins before the heap grows, and is off with cache: false", async () => {
    const heap = await createHeap();
    const a = heap.malloc(3000);
    heap.free(a);
    expect(heap.stats().usedBlocks).toBe(0);
    expect(heap.stats().cachedBlocks).toBe(0);   // (the last used block freed: one free block)
    const keep = heap.malloc(8);
    const b = heap.malloc(3000);
    heap.malloc(8);
    heap.free(b);
    const { extent } = heap.stats();
    heap.malloc(3008);                       // no free block fits it but the victim, merged
    expect(heap.stats().extent).toBe(extent);
    heap.free(keep);
    const off = await roomyHeap({ cache: false });
    off.malloc(8);
    off.free(off.malloc(1024));
    expect(off.stats().cachedBlocks).toBe(0);
  });
});
