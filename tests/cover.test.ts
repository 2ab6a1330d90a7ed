// The start table covers used blocks only (#13): a free block may lie past its cover, and taking
// such a block whole, or splitting it, must move the table first.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { CONFIGS } from "./helpers.js";

describe("a free block past the table's cover", () => {
  it.each(CONFIGS)("$policy, $coalesce: taken whole, split, or by realloc, is covered before it is used", async (config) => {
    const heap = await createHeap(config);
    const a = heap.malloc(16);
    expect(heap.realloc(a, 3 * 2 ** 20)).toBe(a);       // grows in place, past the first 1 MiB: no new start
    heap.realloc(a, 2 ** 20);                           // the free tail starts past the cover
    expect(heap.check()).toBeNull();
    const sizes = [48, 2 ** 20 - 64, 100, 5000, 24];
    const ptrs = sizes.map((n) => heap.malloc(n));
    ptrs.forEach((p) => expect(p).not.toBe(0));
    expect(heap.check()).toBeNull();
    for (const p of ptrs) heap.free(p);                // each is a live block the checks accept
    heap.free(a);
    expect(heap.stats().usedBlocks).toBe(0);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("$policy, $coalesce: a free block past the cover taken whole", async (config) => {
    const heap = await createHeap(config);
    const a = heap.malloc(16);
    expect(heap.realloc(a, 3 * 2 ** 20)).toBe(a);
    heap.realloc(a, 2 ** 20);
    const tail = heap.blocks().find((b) => b.kind === "free" && b.address > heap.stats().heapStart + 2 ** 20);
    expect(tail).toBeDefined();
    const p = heap.malloc(tail!.size - 4 - 8);          // the rest would be 8 bytes: no block, so it is taken whole
    expect(p).not.toBe(0);                              // (the table moves first: its chunk may take part of the tail)
    expect(heap.check()).toBeNull();
    heap.free(p);
    heap.free(a);
    expect(heap.check()).toBeNull();
  });
});
