// The bugs of the "trust" issue (#12), each shown the way it was found, through the public API.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { CONFIGS, HEADER } from "./helpers.js";

const MiB = 2 ** 20;

describe("an arena never hands out less than it was asked for (#12.1)", () => {
  it.each(CONFIGS)("$policy, $coalesce: 2^31 on a 4 MiB heap is refused, and malloc stays outside every allocation", async (config) => {
    const heap = await createHeap({ ...config, maximumPages: 64 });
    const arena = heap.arena();
    for (const n of [2 ** 31 - 7, 2 ** 31, 2 ** 31 + 8, 0xF000_0000]) {
      const before = heap.stats();
      expect(arena.alloc(n)).toBe(0);
      expect(heap.stats().usedBytes).toBe(before.usedBytes);
    }
    const small = arena.alloc(64);
    const p = heap.malloc(64);
    expect(p === 0 || p + 64 <= small || p >= small + 64).toBe(true);
    expect(heap.check()).toBeNull();
  });

  it("a request larger than the next chunk gets a chunk of its own size (#12.6)", async () => {
    const heap = await createHeap();
    const arena = heap.arena();
    arena.alloc(MiB + 8);
    expect(arena.stats().reservedBytes).toBe(MiB + 16);   // the request and the chunk's 8-byte header
    arena.alloc(100);                                     // that chunk is full: the doubling starts at 4 KiB
    expect(arena.stats().reservedBytes).toBe(MiB + 16 + 4096);
    arena.alloc(MiB);
    expect(arena.stats().reservedBytes).toBe(2 * MiB + 24 + 4096);
    arena.alloc(4096);                                    // and goes on where it was
    expect(arena.stats().reservedBytes).toBe(2 * MiB + 24 + 4096 + 8192);
    expect(heap.check()).toBeNull();
  });

  it("on a 4 MiB heap, arena().alloc(2.5 MiB) and fixedPool(1 MiB).alloc() succeed as malloc does (#12.6)", async () => {
    const heap = await createHeap({ maximumPages: 64 });
    expect(heap.arena().alloc(2.5 * MiB)).not.toBe(0);
    const other = await createHeap({ maximumPages: 64 });
    const pool = other.fixedPool(MiB);
    expect(pool.alloc()).not.toBe(0);
    expect(pool.stats().capacity).toBe(1);
    expect(heap.check()).toBeNull();
    expect(other.check()).toBeNull();
  });

  it("a fixed pool's first chunk scales down for large objects (#12.6)", async () => {
    const heap = await createHeap();
    expect((() => { const p = heap.fixedPool(24); p.alloc(); return p.stats().capacity; })()).toBe(16);
    expect((() => { const p = heap.fixedPool(8192); p.alloc(); return p.stats().capacity; })()).toBe(8);
    const big = heap.fixedPool(64 * MiB);
    big.alloc();
    expect(big.stats().reservedBytes).toBeLessThan(65 * MiB);
    expect(heap.check()).toBeNull();
  });
});

describe("heap.free refuses the pools' and arenas' own blocks (#12.2)", () => {
  it.each(CONFIGS)("$policy, $coalesce: a fixed pool's chunk and descriptor", async (config) => {
    const heap = await createHeap(config);
    const pool = heap.fixedPool(24);
    const slot = pool.alloc();
    const chunk = slot - 16;                           // [next][capacity][bitmap, 8 bytes] then slot 0
    const before = heap.stats();
    for (const p of [chunk, slot, slot + 24]) {
      expect(() => heap.free(p)).toThrow(expect.objectContaining({ code: "invalid-pointer", address: p }));
      expect(() => heap.realloc(p, 8)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
      expect(() => heap.usableSize(p)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
    }
    expect(heap.stats()).toEqual(before);
    // The heap does not hand the chunk out again while the pool still hands out slots in it.
    const q = heap.malloc(16);
    expect(q < chunk || q >= slot + 16 * 24).toBe(true);
    const slots = Array.from({ length: 15 }, () => pool.alloc());
    for (const s of slots) expect(s + 24 <= q || s >= q + 16).toBe(true);
    expect(heap.check()).toBeNull();
    pool.dispose();
    heap.free(q);
    expect(heap.stats().usedBlocks).toBe(0);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy, $coalesce: an arena's chunk and descriptor", async (config) => {
    const heap = await createHeap(config);
    const arena = heap.arena();
    const x = arena.alloc(8);
    const before = heap.stats();
    for (const p of [x - 8, x - 48, x]) {
      expect(() => heap.free(p)).toThrow(expect.objectContaining({ code: "invalid-pointer", address: p }));
    }
    expect(heap.stats()).toEqual(before);
    expect(heap.check()).toBeNull();
    arena.dispose();
    expect(heap.stats().usedBlocks).toBe(0);
    expect(heap.check()).toBeNull();
  });

  it("a user's block whose first word is a pool's or arena's magic is not taken for one (raw exports)", async () => {
    const { instantiateCore } = await import("../src/loader.js");
    const raw = await instantiateCore();
    const h = raw.pool_create(24);
    expect(raw.pool_alloc(h)).not.toBe(0);
    const forged = raw.malloc(64);
    const view = new DataView(raw.memory.buffer);
    for (const magic of [0x4C4F4F50, 0x414E4552]) {               // "POOL", "RENA"
      view.setUint32(forged, magic, true);
      expect(raw.pool_alloc(forged)).toBe(0);
      expect(raw.arena_alloc(forged, 8)).toBe(0);
      expect(raw.heap_last_error()).toBe(2);
    }
    expect(raw.free(h)).toBe(2);                                   // nor is a pool's handle the user's to free
    expect(raw.free(forged)).toBe(0);
    expect(raw.pool_destroy(h)).toBe(0);
    expect(raw.heap_check()).toBe(0);
  });

  it("the debug heap refuses them too, and checks clean while pools and arenas live (#12.3)", async () => {
    const heap = await createHeap({ debug: true });
    const pool = heap.fixedPool(24);
    const arena = heap.arena();
    const slot = pool.alloc();
    const x = arena.alloc(100);
    const p = heap.malloc(40);
    expect(heap.check()).toBeNull();
    for (const bad of [slot - 16, x - 8]) {
      expect(() => heap.free(bad)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
    }
    expect(heap.check()).toBeNull();
    const kinds = heap.blocks().map((b) => b.kind);
    expect(kinds.filter((k) => k === "used")).toHaveLength(1);          // p: pools and arenas are not user blocks
    expect(kinds.filter((k) => k === "internal")).toHaveLength(4);      // two descriptors, two chunks
    heap.free(p);
    pool.dispose();
    arena.dispose();
    expect(heap.check()).toBeNull();
  });

  it("a header's internal bit is the only mark: the pool's chunk header has it, a user block's has not", async () => {
    const heap = await createHeap();
    const pool = heap.fixedPool(24);
    const slot = pool.alloc();
    const mine = heap.malloc(24);
    const view = new DataView(heap.memory.buffer);
    expect(view.getUint32(slot - 16 - HEADER, true) & 4).toBe(4);
    expect(view.getUint32(mine - HEADER, true) & 4).toBe(0);
  });
});
