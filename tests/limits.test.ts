// The wasm32 ceiling: blocks of 2 GiB and more, many blocks up to ~3.5 GiB, memory at 65536
// pages. Only touched pages cost RAM, so these fit the CI machines.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe("the 4 GiB ceiling", () => {
  it("holds many blocks up to 3.5 GiB, refuses past the ceiling, and recovers", async () => {
    const heap = await createHeap();
    const blocks: number[] = [];
    for (let i = 0; i < 7; i++) {
      const p = heap.malloc(512 * MiB);
      expect(p, `block ${i}`).toBeGreaterThan(0);
      new DataView(heap.memory.buffer).setUint32(p + 512 * MiB - 4, i, true); // touch each block's last word
      blocks.push(p);
    }
    expect(blocks.at(-1)!).toBeGreaterThan(3 * GiB);     // unsigned, not negative
    const s = heap.stats();
    expect(s.usedBytes).toBeGreaterThanOrEqual(3.5 * GiB);
    expect(s.memoryBytes).toBeLessThanOrEqual(4 * GiB);
    expect(s.memoryBytes).toBeGreaterThan(3.5 * GiB);
    expect(heap.malloc(GiB)).toBe(0);                    // past 4 GiB
    expect(heap.calloc(GiB, 1)).toBe(0);
    expect(heap.realloc(blocks[6], 2 * GiB)).toBe(0);
    expect(heap.check()).toBeNull();
    blocks.forEach((p, i) => expect(new DataView(heap.memory.buffer).getUint32(p + 512 * MiB - 4, true)).toBe(i));
    for (const p of blocks.slice(0, 3)) heap.free(p);
    const extent = heap.stats().extent;
    const again = heap.malloc(500 * MiB);                // freed room is found again
    expect(again).toBeGreaterThan(0);
    expect(again + 500 * MiB).toBeLessThan(blocks[3]);
    expect(heap.stats().extent).toBe(extent);
    expect(heap.malloc(2 * GiB)).toBe(0);                // no 2 GiB in one piece
    expect(heap.check()).toBeNull();
  });

  it("grows memory to all 65536 pages for one block just under 4 GiB", async () => {
    const heap = await createHeap();
    const n = 2 ** 32 - 2 ** 27;                         // leaves room for the start table's chunks
    const p = heap.malloc(n);
    expect(p).toBeGreaterThan(0);
    const s = heap.stats();
    expect(s.memoryBytes).toBeGreaterThan(4 * GiB - 2 ** 27);
    expect(s.memoryBytes).toBeLessThanOrEqual(4 * GiB);
    expect(heap.usableSize(p)).toBeGreaterThanOrEqual(n);
    expect(s.guardBytes).toBeLessThan(2 ** 26 + 4096);   // 1/64 of 4 GiB, and the chunks' headers
    new DataView(heap.memory.buffer).setUint32(p + n - 4, 0xC0FFEE, true);
    expect(heap.malloc(2 ** 27)).toBe(0);
    expect(heap.check()).toBeNull();
    heap.free(p);
    expect(heap.check()).toBeNull();
    const q = heap.malloc(2 ** 31);                      // the freed space serves it again
    expect(q).toBeGreaterThanOrEqual(p);
    expect(q + 2 ** 31).toBeLessThanOrEqual(p + n + 8);
  });

  it("sizes of 2^31 - 1, 2^32 - 1 and 2^32 from JS", async () => {
    const heap = await createHeap();
    const p = heap.malloc(2 ** 31 - 1);
    expect(p).toBeGreaterThan(0);
    expect(heap.usableSize(p)).toBeGreaterThanOrEqual(2 ** 31 - 1);
    expect(heap.malloc(2 ** 32 - 1)).toBe(0);
    expect(heap.malloc(2 ** 32)).toBe(0);
    expect(heap.realloc(p, 2 ** 32 - 1)).toBe(0);
    expect(heap.calloc(2 ** 16, 2 ** 16)).toBe(0);     // the product is 2^32
    expect(heap.check()).toBeNull();
  });
});
