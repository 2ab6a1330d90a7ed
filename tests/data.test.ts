// Data survives: realloc on every path, calloc zeroing, alignment, views across growth.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { CONFIGS, HEADER, PAGE, blockSize, fill, freshHeap, header, holds } from "./helpers.js";

describe("realloc keeps the data on every path", () => {
  it.each(CONFIGS)("$policy/$coalesce: shrink in place", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const p = heap.malloc(200);
    heap.malloc(8);
    fill(heap, p, 200, 1);
    expect(heap.realloc(p, 50)).toBe(p);
    expect(header(heap, p) & ~7).toBe(blockSize(50));
    expect(heap.stats().freeBlocks).toBe(1);  // the cut-off tail is free
    expect(holds(heap, p, 50, 1)).toBe(true);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy/$coalesce: grow into a free right neighbour", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const p = heap.malloc(40);
    const q = heap.malloc(200);
    heap.malloc(8);
    heap.free(q);
    fill(heap, p, 40, 2);
    expect(heap.realloc(p, 120)).toBe(p);
    expect(holds(heap, p, 40, 2)).toBe(true);
    expect(heap.stats().freeBlocks).toBe(1);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy/$coalesce: grow at the heap's end", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const room = heap.malloc(2 * PAGE);      // freed below: too small for the growth
    const p = heap.malloc(40);
    heap.free(room);
    fill(heap, p, 40, 3);
    const e0 = heap.stats().extent;
    expect(heap.realloc(p, 5 * PAGE)).toBe(p);
    const s = heap.stats();                  // the block now ends the heap, grown by the shortfall
    expect(s.heapStart + s.extent).toBe(p - 4 + blockSize(5 * PAGE) + 4);
    expect(s.extent - e0).toBeLessThanOrEqual(blockSize(5 * PAGE) - blockSize(40));
    expect(holds(heap, p, 40, 3)).toBe(true);
    expect(heap.check()).toBeNull();
  });

  // Segregated fits only: they may place a block at the top of a large free block, where growing
  // it in place would grow the heap every time (the address-ordered policies split at the low end).
  it.each(CONFIGS.filter((c) => c.policy === "segregated"))("$policy/$coalesce: at the heap's end, move into a free block that fits rather than grow", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const room = heap.malloc(3 * PAGE);      // (within the first 1 MiB: the start table stays put)
    const p = heap.malloc(40);
    heap.free(room);
    fill(heap, p, 40, 4);
    const e0 = heap.stats().extent;
    expect(p).toBeGreaterThan(room + 3 * PAGE);   // p (with the free slack after it) ends the heap
    const q = heap.realloc(p, 2 * PAGE);
    expect(q).not.toBe(p);
    expect(q >= room && q + 2 * PAGE <= room + 3 * PAGE).toBe(true);
    expect(heap.stats().extent).toBe(e0);
    expect(holds(heap, q, 40, 4)).toBe(true);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy/$coalesce: absorb a free last block and grow", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const p = heap.malloc(40);
    const q = heap.malloc(100);
    heap.free(q);
    fill(heap, p, 40, 4);
    expect(heap.realloc(p, 1000)).toBe(p);
    expect(heap.stats()).toMatchObject({ freeBlocks: 0 });
    expect(holds(heap, p, 40, 4)).toBe(true);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy/$coalesce: move and copy", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const p = heap.malloc(40);
    heap.malloc(8);                          // pins p: no room to the right
    fill(heap, p, 40, 5);
    const q = heap.realloc(p, 400);
    expect(q).not.toBe(p);
    expect(holds(heap, q, 40, 5)).toBe(true);
    expect(() => heap.usableSize(p)).toThrow(); // the old block is gone
    expect(heap.check()).toBeNull();
  });

  it("realloc(0, n) allocates and realloc(p, 0) keeps a minimum block", async () => {
    const { heap, first } = await freshHeap();
    const p = heap.realloc(0, 30);
    expect(p).toBe(first);
    expect(heap.realloc(p, 0)).toBe(p);
    expect(heap.usableSize(p)).toBe(12);
    expect(heap.check()).toBeNull();
  });
});

describe("calloc", () => {
  it.each(CONFIGS)("$policy/$coalesce: zeroes reused memory", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const p = heap.malloc(256);
    heap.malloc(8);
    new Uint8Array(heap.memory.buffer, p, 256).fill(0xAB);
    heap.free(p);
    const before = heap.stats().bytesCleared;
    const q = heap.calloc(16, 16);
    expect(q).toBe(p);
    expect(new Uint8Array(heap.memory.buffer, q, 256).every((x) => x === 0)).toBe(true);
    expect(heap.stats().bytesCleared - before).toBe(256);
    expect(heap.check()).toBeNull();
  });

  it("does not clear pages fresh from memory.grow", async () => {
    const { heap } = await freshHeap();
    const grows = heap.stats().growCalls;
    const p = heap.calloc(10, PAGE);         // ten pages, all fresh
    expect(p).not.toBe(0);
    expect(heap.stats().growCalls).toBe(grows + 1);
    expect(heap.stats().bytesCleared).toBe(0);
    const bytes = new Uint8Array(heap.memory.buffer, p, 10 * PAGE);
    expect(bytes.every((x) => x === 0)).toBe(true);
  });

  it("clears only the part below the old end when it extends a free last block", async () => {
    const { heap } = await freshHeap();
    heap.malloc(8);
    const a = heap.malloc(1000);
    new Uint8Array(heap.memory.buffer, a, 1000).fill(0xCD);
    heap.free(a);
    const q = heap.calloc(1, 3000);
    expect(q).toBe(a);
    expect(new Uint8Array(heap.memory.buffer, q, 3000).every((x) => x === 0)).toBe(true);
    const cleared = heap.stats().bytesCleared;
    expect(cleared).toBeGreaterThanOrEqual(1000);
    expect(cleared).toBeLessThanOrEqual(blockSize(1000));
  });

  it("returns 0 when count * size overflows 32 bits", async () => {
    const { heap } = await freshHeap();
    expect(heap.calloc(65536, 65536)).toBe(0);
    expect(heap.calloc(2 ** 31, 2)).toBe(0);
    expect(heap.calloc(0xFFFFFFFF, 0xFFFFFFFF)).toBe(0);
    expect(heap.calloc(0, 5)).not.toBe(0);   // like malloc(0)
    expect(heap.stats().memoryBytes).toBe(PAGE);
    expect(heap.check()).toBeNull();
  });
});

describe("alignment", () => {
  it.each(CONFIGS)("$policy/$coalesce: every payload is 8-aligned", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    for (let n = 0; n < 100; n++) expect(heap.malloc(n) % 8).toBe(0);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy/$coalesce: alignedAlloc for every power of two up to 64 KiB", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const live: number[] = [];
    for (let shift = 0; shift <= 16; shift++) {
      const align = 2 ** shift;
      for (const n of [1, 24, 100]) {
        heap.malloc(n + shift);               // vary the starting offset
        const p = heap.alignedAlloc(align, n);
        expect(p % align).toBe(0);
        expect(heap.usableSize(p)).toBeGreaterThanOrEqual(n);
        fill(heap, p, n, p);
        live.push(p, n);
        expect(heap.check()).toBeNull();
      }
    }
    for (let i = 0; i < live.length; i += 2) expect(holds(heap, live[i], live[i + 1], live[i])).toBe(true);
    for (let i = 0; i < live.length; i += 2) heap.free(live[i]);
    expect(heap.check()).toBeNull();
  });

  it("gives back the gap in front of an aligned block", async () => {
    const { heap, first } = await freshHeap();
    const p = heap.alignedAlloc(4096, 64);
    expect(p % 4096).toBe(0);
    const s = heap.stats();
    expect(s.usedBlocks).toBe(1);
    expect(s.usedBytes).toBe(blockSize(64));
    const q = heap.malloc(8);                // the gap in front is reusable
    expect(q).toBeGreaterThanOrEqual(first);
    expect(q).toBeLessThan(p);
  });

  // A block that grew in place past the start table's cover and was freed is taken whole; the
  // aligned block then starts past the cover, so the table must move before it is recorded.
  it.each(CONFIGS)("$policy/$coalesce: an aligned block that starts past the start table's cover", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const MiB = 1 << 20;
    const p = heap.malloc(16);
    expect(heap.realloc(p, 3 * MiB)).toBe(p);
    const guards = heap.stats().guardBytes;
    heap.free(p);
    const n = blockSize(3 * MiB) - 2 * MiB - 16; // with the 2 MiB alignment, the whole free block
    const a = heap.alignedAlloc(2 * MiB, n);
    expect(a % (2 * MiB)).toBe(0);
    expect(a - p).toBeGreaterThan(MiB);      // past the first 1 MiB that the state's table covers
    expect(heap.stats().guardBytes).toBeGreaterThan(guards);
    fill(heap, a, n, 9);
    expect(heap.usableSize(a)).toBeGreaterThanOrEqual(n);
    expect(heap.check()).toBeNull();
    expect(holds(heap, a, n, 9)).toBe(true);
    heap.free(a);
    expect(heap.check()).toBeNull();
  });
});

describe("typed views that survive growth", () => {
  it("re-creates the view after memory.grow", async () => {
    const heap = await createHeap();
    const arr = heap.allocArray(Float64Array, 100);
    expect(arr.length).toBe(100);
    expect(arr.ptr % 8).toBe(0);
    arr.view.set(Array.from({ length: 100 }, (_, i) => i * 1.5));
    const stale = arr.view;
    heap.malloc(4 * PAGE);                   // memory.grow replaces the buffer
    expect(stale.length).toBe(0);            // a bare TypedArray dies with the old buffer
    expect(arr.view.length).toBe(100);
    expect(arr.view[99]).toBe(99 * 1.5);
    arr.view[0] = 42;
    expect(new Float64Array(heap.memory.buffer, arr.ptr, 1)[0]).toBe(42);
    arr.free();
    expect(() => arr.view).toThrow(/after free/);
    expect(() => arr.free()).toThrow(/twice/);
    expect(heap.stats().usedBlocks).toBe(1);
  });

  it.each([Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
    Float32Array, Float64Array, BigInt64Array, BigUint64Array])("%o", async (ctor) => {
    const heap = await createHeap();
    const arr = heap.allocArray(ctor, 7);
    expect(arr.view).toBeInstanceOf(ctor);
    expect(arr.view.byteLength).toBe(7 * ctor.BYTES_PER_ELEMENT);
    expect(heap.usableSize(arr.ptr)).toBeGreaterThanOrEqual(7 * ctor.BYTES_PER_ELEMENT);
    arr.free();
  });

  it("refuses bad lengths and constructors, and reports running out", async () => {
    const heap = await createHeap({ maximumPages: 1 });
    expect(() => heap.allocArray(Float64Array, -1)).toThrow(RangeError);
    expect(() => heap.allocArray(Float64Array, 1.5)).toThrow(RangeError);
    expect(() => heap.allocArray(Array as never, 4)).toThrow(TypeError);
    expect(() => heap.allocArray(Float64Array, 2 ** 30)).toThrow(expect.objectContaining({ code: "out-of-memory" }));
    expect(heap.check()).toBeNull();
    expect(heap.stats().usedBlocks).toBe(0);
  });
});

describe("usableSize", () => {
  it("is the block size less the header, at least the request", async () => {
    const { heap } = await freshHeap();
    for (const n of [0, 1, 12, 13, 100, 1000]) {
      const p = heap.malloc(n);
      expect(heap.usableSize(p)).toBe(blockSize(n) - HEADER);
      expect(heap.usableSize(p)).toBeGreaterThanOrEqual(n);
    }
    expect(heap.usableSize(0)).toBe(0);
  });
});

describe("realloc and the start table's coverage", () => {
  // A block grown in place past the covered windows starts no block; shrinking it would start one
  // there, which needs the table to move, and its chunk must not be put at the heap's end (right
  // where the block would grow again): the shrink keeps the block whole instead.
  it.each(CONFIGS)("$policy/$coalesce: a shrink never grows the heap, and the block can grow in place again", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const p = heap.malloc(100);
    fill(heap, p, 100, 6);
    expect(heap.realloc(p, 1600 * 1024)).toBe(p);
    const grown = heap.stats().extent;
    expect(heap.realloc(p, 1200 * 1024)).toBe(p);
    expect(heap.stats().extent).toBe(grown);
    expect(heap.realloc(p, 1800 * 1024)).toBe(p);
    expect(holds(heap, p, 100, 6)).toBe(true);
    expect(heap.check()).toBeNull();
  });
});
