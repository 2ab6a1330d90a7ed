// Misuse of every public pool and arena function (#12): each kind of odd value gets its
// documented error, and the pool, the arena and the heap are exactly as they were after it.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { ODD_VALUES as VALUES } from "./helpers.js";


/** A heap with a live pool slot, a live arena allocation and a heap block, and a snapshot of all three. */
async function setup() {
  const heap = await createHeap();
  const pool = heap.fixedPool(24);
  const slot = pool.alloc();
  const arena = heap.arena();
  const bump = arena.alloc(40);
  const mine = heap.malloc(64);
  const same = () => ({ heap: heap.stats(), pool: pool.stats(), arena: arena.stats() });
  return { heap, pool, slot, arena, bump, mine, same };
}

describe("fixedPool(size)", () => {
  it.each(VALUES)("%s: TypeError for a non-number, RangeError for any number outside 1 to 2^28", async (_, v, kind) => {
    const { heap, same } = await setup();
    const before = same();
    expect(() => heap.fixedPool(v as number)).toThrow(kind === "type" ? TypeError : RangeError);
    expect(same()).toEqual(before);
    expect(heap.check()).toBeNull();
  });

  it("0 and 2^28 + 1 are RangeErrors; 1 and 2^28 are pools", async () => {
    const { heap } = await setup();
    expect(() => heap.fixedPool(0)).toThrow(RangeError);
    expect(() => heap.fixedPool(2 ** 28 + 1)).toThrow(RangeError);
    expect(heap.fixedPool(1).stats().slotSize).toBe(8);
    expect(heap.fixedPool(2 ** 28).stats().objectSize).toBe(2 ** 28);
    expect(heap.check()).toBeNull();
  });
});

describe("pool.free(ptr)", () => {
  it.each(VALUES)("%s: TypeError for a non-number, invalid-pointer for any other number", async (_, v, kind) => {
    const { heap, pool, same } = await setup();
    const before = same();
    if (kind === "type") expect(() => pool.free(v as number)).toThrow(TypeError);
    else expect(() => pool.free(v as number)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
    expect(same()).toEqual(before);
    expect(heap.check()).toBeNull();
  });

  it("0, a heap block, an arena's memory, and a slot's interior are invalid pointers; a slot twice is a double free", async () => {
    const { heap, pool, slot, bump, mine, same } = await setup();
    const before = same();
    for (const p of [0, mine, bump, slot + 8, slot - 16]) {
      expect(() => pool.free(p)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
    }
    expect(same()).toEqual(before);
    pool.free(slot);
    expect(() => pool.free(slot)).toThrow(expect.objectContaining({ code: "double-free" }));
    expect(heap.check()).toBeNull();
  });
});

describe("arena.alloc(size)", () => {
  it.each(VALUES)("%s: TypeError for a non-number, RangeError for a non-integer or negative, 0 for 2^32 and more", async (_, v, kind) => {
    const { heap, arena, same } = await setup();
    const before = same();
    if (kind === "type") expect(() => arena.alloc(v as number)).toThrow(TypeError);
    else if (kind === "range") expect(() => arena.alloc(v as number)).toThrow(RangeError);
    else expect(arena.alloc(v as number)).toBe(0);
    expect(same()).toEqual(before);
    expect(heap.check()).toBeNull();
  });

  it("requests the heap cannot hold return 0 and change nothing; 0 bytes is an address and uses none", async () => {
    const heap = await createHeap({ maximumPages: 64 });   // 4 MiB
    const arena = heap.arena();
    arena.alloc(40);
    const same = () => ({ heap: heap.stats(), arena: arena.stats() });
    const before = same();
    for (const n of [0xF000_0001, 2 ** 32 - 1, 2 ** 31 + 8]) expect(arena.alloc(n)).toBe(0);
    expect(same()).toEqual(before);
    const p = arena.alloc(0);
    expect(p).not.toBe(0);
    expect(arena.stats().usedBytes).toBe(before.arena.usedBytes);
    expect(heap.check()).toBeNull();
  });
});

describe("a disposed pool and a disposed arena", () => {
  it("every function but dispose throws disposed, dispose does nothing again, and the heap stays intact", async () => {
    const { heap, pool, arena } = await setup();
    pool.dispose();
    arena[Symbol.dispose]();
    const before = heap.stats();
    for (const call of [() => pool.alloc(), () => pool.free(8), () => pool.stats(),
      () => arena.alloc(8), () => arena.reset(), () => arena.stats()]) {
      expect(call).toThrow(expect.objectContaining({ code: "disposed" }));
    }
    pool.dispose();
    pool[Symbol.dispose]();
    arena.dispose();
    expect(heap.stats()).toEqual(before);
    expect(heap.check()).toBeNull();
  });
});
