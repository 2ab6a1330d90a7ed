// The heap checker: each invariant, broken on purpose, is reported by its number.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import type { Heap } from "../src/index.js";
import { CONFIGS, HEADER, LEFT_USED, PROLOGUE, USED, fill, freshHeap, header } from "./helpers.js";

/**
 * The state area (assembly/state.ts) ends 4 bytes before the prologue: a 152-byte struct, the
 * first start table (8 KiB), the segregated policy's 224 class heads and 8 bitmap
 * words, and the cache's 63 bin words and counts (320 bytes).
 */
const STATE_SIZE = 9592;
/** The first start table follows the struct: one byte (two nibbles) per 128 bytes of heap offset. */
function tableByte(heap: Heap, block: number): number {
  return stateAt(heap) + 152 + ((block - heap.stats().heapStart) >> 7);
}
const F = { magic: 0, policy: 4, brk: 20, head: 28, rover: 36, usedBlocks: 52, tableBlock: 84, table: 120, windows: 124, runNext: 148 };

function u32(heap: Heap): DataView {
  return new DataView(heap.memory.buffer);
}
function stateAt(heap: Heap): number {
  return heap.stats().heapStart - HEADER - STATE_SIZE;
}
function poke(heap: Heap, addr: number, value: number): void {
  u32(heap).setUint32(addr, value >>> 0, true);
}
function peek(heap: Heap, addr: number): number {
  return u32(heap).getUint32(addr, true);
}

/** used A (40), free B (48), used C (40), used D (40): a heap with one of everything. */
async function sample(coalesce: "immediate" | "deferred" = "immediate", policy: "first-fit" | "segregated" = "first-fit") {
  const { heap, first } = await freshHeap({ coalesce, policy, cache: false });   // (freed blocks merge at once)
  const a = heap.malloc(36);
  const b = heap.malloc(44);
  const c = heap.malloc(36);
  const d = heap.malloc(36);
  heap.free(b);
  expect(heap.check()).toBeNull();
  expect(a).toBe(first);
  return { heap, a, b, c, d };
}

describe("check() reports each invariant by number", () => {
  it("is null on a sound heap in every configuration", async () => {
    for (const cfg of CONFIGS) {
      const { heap } = await freshHeap(cfg);
      const ptrs = Array.from({ length: 50 }, (_, i) => heap.malloc((i * 37) % 300));
      ptrs.filter((_, i) => i % 3 === 0).forEach((p) => heap.free(p));
      expect(heap.check()).toBeNull();
    }
  });

  it("I1: the state", async () => {
    const { heap } = await sample();
    poke(heap, stateAt(heap) + F.policy, 9);
    expect(heap.check()).toMatchObject({ code: "heap-corrupt", invariant: 1, address: stateAt(heap) });
  });

  it("I1: an overwritten magic is reported, and allocation refuses to run over it", async () => {
    const { heap } = await sample();
    poke(heap, stateAt(heap) + F.magic, 0xDEADBEEF);
    expect(heap.check()).toMatchObject({ invariant: 1 });
    expect(() => heap.malloc(8)).toThrow(expect.objectContaining({ code: "heap-corrupt", message: expect.stringMatching(/state was overwritten/) }));
  });

  it("I2: the prologue", async () => {
    const { heap } = await sample();
    const start = heap.stats().heapStart;
    poke(heap, start, PROLOGUE | USED);
    expect(heap.check()).toMatchObject({ invariant: 2, address: start });
  });

  it("I3: a block below the minimum size", async () => {
    const { heap, a } = await sample();
    poke(heap, a - HEADER, 8 | USED | LEFT_USED);
    expect(heap.check()).toMatchObject({ invariant: 3, address: a - HEADER });
  });

  it("I4: a size that is not a multiple of 8 (the third bit is a flag only on a used block)", async () => {
    const { heap, b } = await sample();
    poke(heap, b - HEADER, 52 | LEFT_USED);
    expect(heap.check()).toMatchObject({ invariant: 4, address: b - HEADER });
  });

  it("I5: a block that runs past the epilogue", async () => {
    const { heap, d } = await sample();
    poke(heap, d - HEADER, 4096 | USED | LEFT_USED);
    expect(heap.check()).toMatchObject({ invariant: 5, address: d - HEADER });
  });

  it("I6: the epilogue", async () => {
    const { heap } = await sample();
    const s = heap.stats();
    const epilogue = s.heapStart + s.extent - HEADER;
    poke(heap, epilogue, LEFT_USED);         // not marked used
    expect(heap.check()).toMatchObject({ invariant: 6, address: epilogue });
  });

  it("I7: a left-used bit that lies", async () => {
    const { heap, c } = await sample();
    poke(heap, c - HEADER, peek(heap, c - HEADER) | LEFT_USED); // its left (B) is free
    expect(heap.check()).toMatchObject({ invariant: 7, address: c - HEADER });
  });

  it("I8: a free block's footer", async () => {
    const { heap, b } = await sample();
    poke(heap, b - HEADER + 48 - 4, 40);
    expect(heap.check()).toMatchObject({ invariant: 8, address: b - HEADER });
  });

  it("I9: two adjacent free blocks under immediate coalescing", async () => {
    const { heap, c, d } = await sample();
    poke(heap, c - HEADER, 40);              // C looks free, with its left (B) free
    poke(heap, c - HEADER + 40 - 4, 40);
    poke(heap, d - HEADER, peek(heap, d - HEADER) & ~LEFT_USED);
    expect(heap.check()).toMatchObject({ invariant: 9, address: c - HEADER });
  });

  it("I10: the free list", async () => {
    const { heap, b } = await sample();
    poke(heap, b - HEADER + 4, b + 1000);    // B's next link
    expect(heap.check()).toMatchObject({ invariant: 10 });
  });

  it("I10: a free block missing from the list (deferred)", async () => {
    const { heap, c, d } = await sample("deferred");
    poke(heap, c - HEADER, 40);              // C looks free but was never listed
    poke(heap, c - HEADER + 40 - 4, 40);
    poke(heap, d - HEADER, peek(heap, d - HEADER) & ~LEFT_USED);
    expect(heap.check()).toMatchObject({ invariant: 10, address: c - HEADER });
  });

  it("I10 (segregated): a class list link, and a free block missing from its class", async () => {
    const a = await sample("immediate", "segregated");
    poke(a.heap, a.b - HEADER + 8, a.b - HEADER + 64);        // B's PREV link
    expect(a.heap.check()).toMatchObject({ invariant: 10, address: a.b - HEADER });
    const d = await sample("deferred", "segregated");
    poke(d.heap, d.c - HEADER, 40);                             // C looks free but is on no list
    poke(d.heap, d.c - HEADER + 40 - 4, 40);
    poke(d.heap, d.d - HEADER, peek(d.heap, d.d - HEADER) & ~LEFT_USED);
    expect(d.heap.check()).toMatchObject({ invariant: 10 });
  });

  it("I11: the statistics", async () => {
    const { heap } = await sample();
    poke(heap, stateAt(heap) + F.usedBlocks, 99);
    expect(heap.check()).toMatchObject({ invariant: 11 });
  });

  it("I12: the rover", async () => {
    const { heap, a } = await sample();
    poke(heap, stateAt(heap) + F.rover, a - HEADER);
    expect(heap.check()).toMatchObject({ invariant: 12, address: a - HEADER });
  });

  it("I13: a window's table byte that names no block start", async () => {
    const { heap, a } = await sample();
    const byte = tableByte(heap, a - HEADER);
    const o = a - HEADER - heap.stats().heapStart;
    u32(heap).setUint8(byte, ((o & 255) >> 3) + 2);  // 8 bytes into A: no block starts there
    expect(heap.check()).toMatchObject({ invariant: 13 });
  });

  it("I13: a window whose first block is not recorded", async () => {
    const { heap, a } = await sample();
    u32(heap).setUint8(tableByte(heap, a - HEADER), 0);
    expect(heap.check()).toMatchObject({ invariant: 13, address: a - HEADER });
  });

  it("I14: the start table's coverage", async () => {
    const { heap } = await sample();
    poke(heap, stateAt(heap) + F.windows, 0);
    expect(heap.check()).toMatchObject({ invariant: 14 });
  });

  it("I14: a block past the covered windows, and a chunk too small for the table", async () => {
    const heap = await createHeap();
    heap.malloc(1_100_000);
    heap.malloc(16);                          // starts past 1 MiB: the table has moved to a chunk
    expect(heap.check()).toBeNull();
    const chunk = peek(heap, stateAt(heap) + F.tableBlock);
    expect(chunk).toBeGreaterThan(heap.stats().heapStart);
    expect(peek(heap, stateAt(heap) + F.table)).toBe(chunk + HEADER + 8);
    const windows = peek(heap, stateAt(heap) + F.windows);
    expect(windows * 128).toBeGreaterThanOrEqual(heap.stats().extent);
    poke(heap, stateAt(heap) + F.windows, 8192);    // as if it covered only the first 1 MiB
    expect(heap.check()).toMatchObject({ invariant: 14 });
    poke(heap, stateAt(heap) + F.windows, windows * 64); // more than the chunk holds
    expect(heap.check()).toMatchObject({ invariant: 14, address: chunk });
    poke(heap, stateAt(heap) + F.windows, windows);
    poke(heap, stateAt(heap) + F.tableBlock, chunk + 8); // not a block
    expect(heap.check()).toMatchObject({ invariant: 14 });
    poke(heap, stateAt(heap) + F.tableBlock, chunk);
    expect(heap.check()).toBeNull();
  });

  it("a block that grows in place needs no table; splitting its space later moves the table first", async () => {
    const heap = await createHeap();
    const p = heap.malloc(16);
    const guards = heap.stats().guardBytes;
    expect(heap.realloc(p, 2 << 20)).toBe(p);
    expect(heap.stats().guardBytes).toBe(guards);
    expect(heap.check()).toBeNull();
    heap.free(p);
    const small = Array.from({ length: 12000 }, () => heap.malloc(100));
    expect(heap.stats().guardBytes).toBeGreaterThan(guards);
    expect(heap.check()).toBeNull();
    for (const q of small) heap.free(q);
    expect(heap.check()).toBeNull();
  });

  it("a free list corrupted into a cycle cannot hang stats() or check()", async () => {
    const { heap, b } = await sample();
    poke(heap, b - HEADER + 4, b - HEADER);  // B's next link points at B itself
    expect(heap.stats().largestFree).toBe(48);
    expect(heap.check()).toMatchObject({ invariant: 10 });
  });

  it("messages name the invariant and the address", async () => {
    const { heap, b } = await sample();
    poke(heap, b - HEADER + 48 - 4, 40);
    const v = heap.check()!;
    expect(v.message).toContain("I8");
    expect(v.message).toContain(`0x${(b - HEADER).toString(16)}`);
  });

  it("user data inside payloads never trips the checker", async () => {
    const heap = await createHeap();
    const ptrs = Array.from({ length: 20 }, (_, i) => heap.malloc(16 + i * 8));
    ptrs.forEach((p, i) => fill(heap, p, 16 + i * 8, i));
    ptrs.forEach((p, i) => new Uint8Array(heap.memory.buffer, p, 16 + i * 8).fill(0xFF));
    expect(heap.check()).toBeNull();
  });
});

describe("free's touch hint (the state's runNext: coalesce.ts, touchRisingRun)", () => {
  it("is safe with any value: a run freed from the bottom up, the hint overwritten before every free, leaves a sound heap", async () => {
    for (const hint of ["zero", "eight", "near 4 GiB", "the epilogue", "the block freed"]) {
      // Blocks larger than the cache's (its victim's too), so every free merges; freed in address
      // order, each after the first merges with its free left neighbour, the case that reads the hint.
      const { heap } = await freshHeap();
      const ptrs = Array.from({ length: 64 }, (_, i) => heap.malloc(4200 + 8 * (i % 5))).sort((x, y) => x - y);
      const sizes = ptrs.map((p) => header(heap, p) & ~7);   // (read before any free merges them)
      const adjacent = (k: number): boolean => k + 1 < ptrs.length && ptrs[k] + sizes[k] === ptrs[k + 1];
      let runs = 0;
      ptrs.forEach((p, k) => {
        const { heapStart, extent } = heap.stats();
        const value = { zero: 0, eight: 8, "near 4 GiB": 0xfffffff8, "the epilogue": heapStart + extent - 4, "the block freed": p - HEADER }[hint]!;
        poke(heap, stateAt(heap) + F.runNext, value);
        heap.free(p);
        if (k > 0 && adjacent(k - 1) && adjacent(k)) {
          // It merged with the block freed before it, and its right neighbour is used: the hint
          // now names that neighbour (so F.runNext is the word free writes).
          expect(peek(heap, stateAt(heap) + F.runNext)).toBe(ptrs[k + 1] - HEADER);
          runs++;
        }
      });
      expect(runs, hint).toBeGreaterThan(20);
      expect(heap.check(), hint).toBeNull();
      expect(heap.stats().usedBlocks, hint).toBe(0);
      expect(heap.malloc(64 * 600), hint).not.toBe(0);
      expect(heap.check(), hint).toBeNull();
    }
  });
});
