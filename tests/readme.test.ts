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

it("the README's .wasm sizes and the example's address are the builds' as they are", async () => {
  const { readFileSync, statSync } = await import("node:fs");
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const row = /\| `\.wasm` size \| ([\d,]+) bytes \(release\); ([\d,]+) \(minimal\); ([\d,]+) \(debug\); ([\d,]+) \(shared\); ([\d,]+) \(someone else's memory\) \|/.exec(readme);
  expect(row, "the vital statistics' size row").not.toBeNull();
  const stated = row!.slice(1).map((n) => Number(n.replace(/,/g, "")));
  const size = (f: string): number => statSync(new URL(`../build/${f}`, import.meta.url)).size;
  expect(stated).toEqual(["wasmalloc.wasm", "wasmalloc.min.wasm", "wasmalloc.debug.wasm", "wasmalloc.shared.wasm", "wasmalloc.foreign.wasm"].map(size));
  const heap = await createHeap({ policy: "best-fit" });
  expect(readme).toContain(`// heapStart + 12 (${heap.stats().heapStart + 12} in this build)`);
});
