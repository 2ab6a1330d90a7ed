// The bad-input matrix: every public function, every kind of odd value, the documented outcome
// (README, "Bad input"), and the heap exactly as it was afterwards.
import { describe, expect, it } from "vitest";
import { HeapError, createHeap } from "../src/index.js";
import type { DebugHeap, Heap } from "../src/index.js";
import { ODD_VALUES as VALUES } from "./helpers.js";


/** How a size argument with that kind of value must come out. */
function sizeOutcome(kind: string, call: () => number): void {
  if (kind === "type") expect(call).toThrow(TypeError);
  else if (kind === "range") expect(call).toThrow(RangeError);
  else expect(call()).toBe(0);
}
/** How a pointer argument with that kind of value must come out: numbers are invalid pointers. */
function pointerOutcome(kind: string, call: () => unknown): void {
  if (kind === "type") expect(call).toThrow(TypeError);
  else expect(call).toThrow(expect.objectContaining({ name: "HeapError", code: "invalid-pointer" }));
}

async function setup(debug: boolean) {
  const heap = (await createHeap({ debug })) as Heap & Partial<DebugHeap>;
  const live = heap.malloc(40);
  new Uint8Array(heap.memory.buffer, live, 40).fill(0x5A);
  const intact = (): void => {
    expect(heap.check()).toBeNull();
    expect(new Uint8Array(heap.memory.buffer, live, 40).every((b) => b === 0x5A)).toBe(true);
  };
  return { heap, live, intact };
}

describe.each([false, true])("bad input, debug %s", (debug) => {
  it.each(VALUES)("%s", async (_name, value, kind) => {
    const { heap, live, intact } = await setup(debug);
    const v = value as number;
    const before = heap.stats();
    sizeOutcome(kind, () => heap.malloc(v));
    sizeOutcome(kind, () => heap.calloc(v, 1));
    sizeOutcome(kind, () => heap.calloc(1, v));
    sizeOutcome(kind, () => heap.realloc(live, v));
    sizeOutcome(kind, () => heap.alignedAlloc(16, v));
    pointerOutcome(kind, () => heap.free(v));
    pointerOutcome(kind, () => heap.realloc(v, 8));
    pointerOutcome(kind, () => heap.usableSize(v));
    // alignment: every odd value is refused
    expect(() => heap.alignedAlloc(v, 8)).toThrow(kind === "type" ? TypeError : RangeError);
    // allocArray length: numbers too large to place are out of memory
    if (kind === "zero") expect(() => heap.allocArray(Uint8Array, v)).toThrow(expect.objectContaining({ code: "out-of-memory" }));
    else expect(() => heap.allocArray(Uint8Array, v)).toThrow(kind === "type" ? TypeError : RangeError);
    if (debug) {
      const d = heap as DebugHeap;
      if (kind === "zero") expect(d.leaksSince(v)).toEqual([]);
      else expect(() => d.leaksSince(v)).toThrow(kind === "type" ? TypeError : RangeError);
    }
    intact();
    const after = heap.stats();
    expect(after).toEqual(before);
  });

  it("foreign pointers: inside a block, past the heap, misaligned, and already freed", async () => {
    const { heap, live, intact } = await setup(debug);
    const gone = heap.malloc(8);
    heap.free(gone);
    const end = heap.stats().heapStart + heap.stats().extent;
    for (const [p, code] of [[live + 8, "invalid-pointer"], [live + 3, "invalid-pointer"], [end + 64, "invalid-pointer"],
      [4, "invalid-pointer"], [2 ** 32 - 8, "invalid-pointer"], [gone, "double-free"]] as const) {
      for (const call of [() => heap.free(p), () => heap.realloc(p, 16), () => heap.usableSize(p)]) {
        const before = heap.stats();
        const err = (() => { try { call(); } catch (e) { return e; } })() as HeapError;
        expect(err, `${p}`).toBeInstanceOf(HeapError);
        expect(err.code).toBe(code);
        expect(err.address).toBe(p);
        expect(heap.stats()).toEqual(before);
      }
    }
    intact();
  });

  it("zero: free(0) and usableSize(0) do nothing, malloc(0) and calloc(0, n) give a block", async () => {
    const { heap, intact } = await setup(debug);
    heap.free(0);
    expect(heap.usableSize(0)).toBe(0);
    const a = heap.malloc(0);
    const b = heap.calloc(0, 8);
    expect(a).not.toBe(0);
    expect(b).not.toBe(a);
    expect(heap.realloc(0, 0)).not.toBe(0);
    intact();
  });
});
