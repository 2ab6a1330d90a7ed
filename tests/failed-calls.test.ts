// The properties of "Fastest on real programs" (#13) that any design of the pointer check must
// keep: a failed call leaves the heap as it was, a shrink gives its tail back, and no internal
// block keeps an emptied heap from serving a request that fits.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import type { Heap } from "../src/index.js";
import { CONFIGS } from "./helpers.js";

const MiB = 2 ** 20;

/** stats() without the fields that a failed call may change (the error it leaves behind). */
function snapshot(heap: Heap) {
  const { memoryBytes, ...rest } = heap.stats();
  return { ...rest, memoryBytes };
}

describe("a failed call leaves the heap as it was (#13)", () => {
  it.each(CONFIGS)("$policy, $coalesce: malloc, calloc, realloc and alignedAlloc that return 0 change nothing", async (config) => {
    const heap = await createHeap({ ...config, maximumPages: 64 });   // 4 MiB
    const a = heap.malloc(2 * MiB);
    expect(a).not.toBe(0);
    const before = snapshot(heap);
    expect(heap.malloc(8 * MiB)).toBe(0);
    expect(snapshot(heap)).toEqual(before);
    expect(heap.calloc(8, MiB)).toBe(0);
    expect(snapshot(heap)).toEqual(before);
    expect(heap.alignedAlloc(4096, 8 * MiB)).toBe(0);
    expect(snapshot(heap)).toEqual(before);
    expect(heap.realloc(a, 8 * MiB)).toBe(0);
    expect(snapshot(heap)).toEqual(before);
    heap.free(a);
    expect(heap.malloc(3 * MiB)).not.toBe(0);          // the emptied heap serves what fits
    expect(heap.check()).toBeNull();
  });

  it("on a 1 GiB heap, a failed malloc(768 MiB) commits nothing, and 900 MiB that fits is then served", async () => {
    const heap = await createHeap({ maximumPages: 16384 });
    const small = heap.malloc(200 * MiB);
    const before = snapshot(heap);
    expect(heap.malloc(900 * MiB)).toBe(0);
    expect(snapshot(heap)).toEqual(before);
    heap.free(small);
    expect(heap.malloc(900 * MiB)).not.toBe(0);
    expect(heap.check()).toBeNull();
  });
});

describe("a failed call leaves the heap as it was when the engine, not the limit, refuses memory", () => {
  // Found by the fuzz (seed 20261185, round 88): in a memory whose own maximum lies below the
  // heap's maximumPages, the table moved to a new chunk, then memory.grow refused the block
  // itself, and the failed malloc left the table moved (guardBytes grew by 516,312).
  it.each(CONFIGS)("$policy, $coalesce: in someone else's memory of 40 pages at most", async (config) => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 40 });   // 2.5 MiB, whatever maximumPages says
    const heap = await createHeap({ ...config, memory, heapBase: 1024, maximumPages: 4096 });
    const a = heap.malloc(MiB + 100 * 1024);            // ends past the 1 MiB the inline table covers
    expect(a).not.toBe(0);
    const before = snapshot(heap);
    expect(heap.malloc(1.5 * MiB)).toBe(0);            // a table chunk and 1.5 MiB do not fit in 2.5 MiB
    expect(snapshot(heap)).toEqual(before);
    expect(heap.check()).toBeNull();
    expect(heap.malloc(MiB)).not.toBe(0);               // what fits is served
    expect(heap.check()).toBeNull();
  });
});

describe("the start table does not move for a block that its new chunk would take", () => {
  // Found by the fuzz (seed 20261185, round 88): a free block that reached past the start table
  // (a block grown in place, then freed or shrunk) could take the request; the table moved to
  // cover the split, its chunk was carved from that very block, and the rest no longer held the
  // request. The heap could not grow, so malloc failed with the table moved, or, when the table
  // could go back inline, moved it back and forth until the stack ran out.
  const KiB = 1024;
  /** A heap of 4 MiB and a block whose header lies 1010 KiB in (the inline table covers 1 MiB), grown in place to 4 KiB short of the limit. */
  async function setUp(policy: "first-fit" | "best-fit") {
    const heap = await createHeap({ policy, maximumPages: 64 });
    const a = heap.malloc(16);
    const heapStart = a - 12;                           // (the prologue's 8 bytes, then a's header)
    heap.free(a);
    heap.malloc(1010 * KiB - 8 - 4);
    const p = heap.malloc(64);
    expect(p - 4 - heapStart).toBe(1010 * KiB);
    const end = 64 * 65536 - 4 * KiB;
    expect(heap.realloc(p, end - 4 - (p - 4) - 4)).toBe(p);
    return { heap, p, end };
  }

  it.each(["first-fit", "best-fit"] as const)("%s: a freed block whose start the table covers serves the request from its low end", async (policy) => {
    const { heap, p, end } = await setUp(policy);
    heap.free(p);
    const free = end - 4 - (p - 4);
    const { guardBytes } = heap.stats();
    expect(heap.malloc(free - 20 * KiB)).toBe(p);       // a chunk (~33 KiB) carved from it would leave 20 KiB too little
    expect(heap.stats().guardBytes).toBe(guardBytes);
    expect(heap.check()).toBeNull();
  });

  it.each(["first-fit", "best-fit"] as const)("%s: a free tail past the table's cover fails the request, and the heap stays as it was", async (policy) => {
    const { heap, p, end } = await setUp(policy);
    expect(heap.realloc(p, 200 * KiB)).toBe(p);         // its tail, past the cover, is freed
    const tail = end - 4 - (p - 4 + ((200 * KiB + 4 + 7) & ~7));
    const before = snapshot(heap);
    expect(heap.malloc(tail - 20 * KiB)).toBe(0);       // no block whose start the table covers holds it, and the heap cannot grow
    expect(snapshot(heap)).toEqual(before);
    expect(heap.check()).toBeNull();
    expect(heap.malloc(tail - 60 * KiB)).not.toBe(0);   // beside a chunk, it fits
    expect(heap.check()).toBeNull();
  });
});

describe("a shrink gives its tail back (#13)", () => {
  it.each(CONFIGS)("$policy, $coalesce: a vector doubled to 64 MiB and shrunk to 1 MiB keeps 1 MiB", async (config) => {
    const heap = await createHeap(config);
    let p = heap.malloc(64);
    for (let n = 128; n <= 64 * MiB; n *= 2) p = heap.realloc(p, n);
    p = heap.realloc(p, MiB);
    expect(heap.usableSize(p)).toBeLessThan(MiB + 16);
    expect(heap.stats().usedBytes).toBeLessThan(MiB + 64 * 1024);   // (pools of nothing else are live)
    expect(heap.stats().largestFree).toBeGreaterThan(60 * MiB);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy, $coalesce: realloc(p, 2 MiB) next to a freed 64 MiB neighbour takes only what it needs", async (config) => {
    const heap = await createHeap(config);
    const p = heap.malloc(16);
    const q = heap.malloc(64 * MiB);                     // p's right neighbour, ending the heap past the first 1 MiB
    heap.free(q);
    expect(heap.realloc(p, 2 * MiB)).toBe(p);
    expect(heap.usableSize(p)).toBeLessThan(2 * MiB + 16);
    expect(heap.stats().largestFree).toBeGreaterThan(62 * MiB);
    expect(heap.check()).toBeNull();
  });
});

describe("no internal block keeps an emptied heap from serving a request that fits (#13)", () => {
  it.each(CONFIGS)("$policy, $coalesce: after the table moved to a chunk at the end, an emptied 4 MiB heap serves 3.9 MiB", async (config) => {
    const heap = await createHeap({ ...config, maximumPages: 64 });
    const a = heap.malloc(2 * MiB);
    const b = heap.malloc(16);                           // starts past the first 1 MiB: the table moves
    expect(heap.stats().guardBytes).toBeGreaterThan(0);
    heap.free(a);
    heap.free(b);
    const room = 64 * 65536 - heap.stats().heapStart - 64;
    expect(heap.malloc(room)).not.toBe(0);
    expect(heap.check()).toBeNull();
  });
});

describe("a request that a free block can take is served, even when the start table cannot grow", () => {
  // Found by the fuzz (seed 20261133, round 77, best fit near maximumPages): the policy picked a
  // free block past the table's cover (the tail of a block that grew in place and shrank), the
  // table had no room to grow over it, and malloc returned 0 while a covered block fitted.
  it.each(CONFIGS.filter((c) => c.coalesce === "immediate"))("$policy", async ({ policy }) => {
    const KiB = 1024;
    const heap = await createHeap({ policy, maximumPages: 48 });
    const x = heap.malloc(20 * KiB);        // its block will be free, with its start covered
    heap.malloc(16);
    const a = heap.malloc(900 * KiB);       // starts within the first 1 MiB, the table's cover
    expect(heap.realloc(a, 3040 * KiB)).toBe(a);   // grows in place to near the limit, past the cover
    expect(heap.realloc(a, 3023 * KiB)).toBe(a);   // its free tail (17 KiB) starts past the cover
    heap.free(x);
    const limit = 48 * 65536 - heap.stats().heapStart - heap.stats().extent;
    expect(limit).toBeLessThan(8 * KiB);    // no room left for the table's chunk at the heap's end
    const p = heap.malloc(16 * KiB);
    expect(p).toBe(x);
    expect(heap.check()).toBeNull();
  });
});
