// The README's ten-line example, run as written: its comments state what it prints (#12.8).
import { expect, it } from "vitest";
import { HeapError, createHeap } from "../src/index.js";

it("the README example gives the offsets and values its comments state", async () => {
  const heap = await createHeap({ policy: "best-fit" });
  const start = heap.stats().heapStart;
  const a = heap.malloc(100);
  expect(a - start).toBe(12);
  const b = heap.malloc(20);
  expect(b - start).toBe(116);
  heap.free(a);
  const c = heap.calloc(4, 8);
  expect(c - start).toBe(12);
  const v = heap.allocArray(Float64Array, 3);
  expect(v.ptr - start).toBe(52);
  v.view.set([1, 2, 3]);
  expect(heap.usableSize(c)).toBe(36);
  expect(heap.stats()).toMatchObject({ usedBlocks: 3, freeBytes: 32 });
  expect(heap.check()).toBeNull();
  expect(() => heap.free(a + 8)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
  expect(() => heap.free(a + 8)).toThrow(HeapError);
});
