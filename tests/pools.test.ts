// Fixed pools and arenas (chapter §3.6), through the TS API and the raw exports.
import { describe, expect, it } from "vitest";
import { HeapError, createHeap } from "../src/index.js";
import { fill, holds } from "./helpers.js";

describe("fixedPool", () => {
  it("hands out slots back to back, in chunks that double: 16, 32, 64 slots", async () => {
    const heap = await createHeap();
    const pool = heap.fixedPool(20);                   // 24-byte slots
    const ptrs = Array.from({ length: 16 + 32 + 10 }, () => pool.alloc());
    for (let i = 1; i < 16; i++) expect(ptrs[i] - ptrs[i - 1]).toBe(24);
    for (let i = 17; i < 48; i++) expect(ptrs[i] - ptrs[i - 1]).toBe(24);
    expect(pool.stats()).toMatchObject({ objectSize: 20, slotSize: 24, live: 58, chunks: 3, capacity: 16 + 32 + 64, allocs: 58 });
    expect(new Set(ptrs).size).toBe(58);
    ptrs.forEach((p) => expect(p % 8).toBe(0));
    expect(heap.check()).toBeNull();
  });

  it("reuses freed slots last in, first out, and keeps every object's contents", async () => {
    const heap = await createHeap();
    const pool = heap.fixedPool(40);
    const ptrs = Array.from({ length: 100 }, (_, i) => { const p = pool.alloc(); fill(heap, p, 40, i); return p; });
    pool.free(ptrs[10]);
    pool.free(ptrs[20]);
    expect(pool.alloc()).toBe(ptrs[20]);
    expect(pool.alloc()).toBe(ptrs[10]);
    fill(heap, ptrs[10], 40, 10);
    fill(heap, ptrs[20], 40, 20);
    ptrs.forEach((p, i) => expect(holds(heap, p, 40, i)).toBe(true));
    expect(pool.stats()).toMatchObject({ live: 100, allocs: 102, frees: 2 });
  });

  it("refuses foreign pointers and double frees exactly, and changes nothing", async () => {
    const heap = await createHeap();
    const pool = heap.fixedPool(24);
    const other = heap.fixedPool(24);
    const p = pool.alloc();
    const q = pool.alloc();
    const theirs = other.alloc();
    const mine = heap.malloc(24);
    const before = pool.stats();
    for (const bad of [p + 8, p + 4, mine, theirs, 8, 2 ** 31]) {
      expect(() => pool.free(bad)).toThrow(expect.objectContaining({ code: "invalid-pointer", address: bad }));
    }
    expect(() => pool.free(-1)).toThrow(HeapError);
    expect(() => pool.free("8" as never)).toThrow(TypeError);
    pool.free(q);
    expect(() => pool.free(q)).toThrow(expect.objectContaining({ code: "double-free", message: expect.stringMatching(/already back in the pool/) }));
    expect(pool.stats()).toEqual({ ...before, live: before.live - 1, frees: before.frees + 1 });
    expect(heap.check()).toBeNull();
  });

  it("dispose() gives its chunks back to the heap, and the pool cannot be used after", async () => {
    const heap = await createHeap();
    const used = heap.stats().usedBlocks;
    const pool = heap.fixedPool(100);
    for (let i = 0; i < 500; i++) pool.alloc();
    expect(heap.stats().usedBlocks).toBeGreaterThan(used);
    pool.dispose();
    expect(heap.stats().usedBlocks).toBe(used);
    expect(() => pool.alloc()).toThrow(/^pool\.alloc\(\): the pool was disposed$/);
    pool.dispose();                                        // a second dispose does nothing
    expect(heap.stats().usedBlocks).toBe(used);
    expect(heap.check()).toBeNull();
  });

  it("returns 0 when the heap cannot grow, and works again after room is made", async () => {
    const heap = await createHeap({ maximumPages: 2 });
    const pool = heap.fixedPool(1000);
    const ptrs: number[] = [];
    for (let p = pool.alloc(); p !== 0; p = pool.alloc()) ptrs.push(p);
    expect(ptrs.length).toBeGreaterThan(40);
    expect(heap.check()).toBeNull();
    pool.free(ptrs[0]);
    expect(pool.alloc()).toBe(ptrs[0]);
  });

  it("refuses bad sizes", async () => {
    const heap = await createHeap();
    for (const bad of [0, -1, 1.5, NaN, 2 ** 32]) expect(() => heap.fixedPool(bad)).toThrow(RangeError);
    expect(() => heap.fixedPool("8" as never)).toThrow(TypeError);
    expect(heap.stats().usedBlocks).toBe(0);
  });
});

describe("arena", () => {
  it("bumps 8-aligned allocations through doubling chunks", async () => {
    const heap = await createHeap();
    const arena = heap.arena();
    const a = arena.alloc(10);
    const b = arena.alloc(3);
    const c = arena.alloc(0);
    expect(b - a).toBe(16);
    expect(c - b).toBe(8);
    expect(a % 8).toBe(0);
    const big = arena.alloc(10_000);                    // larger than the next chunk: a chunk of its own size
    expect(big).not.toBe(0);
    expect(arena.stats()).toMatchObject({ usedBytes: 16 + 8 + 10_000, chunks: 2 });
    expect(heap.check()).toBeNull();
  });

  it("reset() keeps one chunk for the next request; dispose() gives everything back", async () => {
    const heap = await createHeap();
    const used = heap.stats().usedBlocks;
    const arena = heap.arena();
    for (let request = 0; request < 5; request++) {
      const ptrs = Array.from({ length: 300 }, (_, i) => { const p = arena.alloc(64); fill(heap, p, 64, i); return p; });
      ptrs.forEach((p, i) => expect(holds(heap, p, 64, i)).toBe(true));
      arena.reset();
    }
    const s = arena.stats();
    expect(s).toMatchObject({ usedBytes: 0, chunks: 1, resets: 5 });
    expect(s.reservedBytes).toBeGreaterThanOrEqual(300 * 64);
    arena.dispose();
    expect(heap.stats().usedBlocks).toBe(used);
    expect(() => arena.alloc(8)).toThrow(/the arena was disposed/);
    expect(heap.check()).toBeNull();
  });

  it("takes sizes like malloc: odd values throw, 2^32 and up return 0", async () => {
    const heap = await createHeap();
    const arena = heap.arena();
    for (const bad of [-1, 1.5, NaN]) expect(() => arena.alloc(bad)).toThrow(RangeError);
    expect(() => arena.alloc("8" as never)).toThrow(TypeError);
    expect(arena.alloc(2 ** 32)).toBe(0);
    expect(arena.alloc(2 ** 32 - 1)).toBe(0);
    expect(arena.stats().usedBytes).toBe(0);
  });
});

describe("pools from wasm (the raw exports)", () => {
  it("refuse handles that are not pools", async () => {
    const { instantiateCore } = await import("../src/loader.js");
    const raw = await instantiateCore();
    const p = raw.malloc(64);
    expect(raw.pool_alloc(p)).toBe(0);                  // a heap block without the pool's magic
    expect(raw.heap_last_error()).toBe(2);
    expect(raw.pool_free(p, p)).toBe(2);
    expect(raw.arena_alloc(p, 8)).toBe(0);
    expect(raw.arena_reset(12345)).toBe(2);
    expect(Number.isNaN(raw.pool_stat(p, 0))).toBe(true);
    const h = raw.pool_create(16);
    expect(raw.pool_alloc(h)).toBeGreaterThan(0);
    expect(raw.pool_destroy(h)).toBe(0);
    expect(raw.pool_alloc(h)).toBe(0);                  // destroyed: refused
    expect(raw.heap_check()).toBe(0);
  });
});
