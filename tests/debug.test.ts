// The debug heap: every heap bug in the chapter, driven from JS, with the error a user reads.
import { describe, expect, it } from "vitest";
import { HeapError, createHeap } from "../src/index.js";
import type { DebugHeap } from "../src/index.js";

const FILL_NEW = 0xD0;
const FILL_FREED = 0xDF;

function bytes(heap: DebugHeap): Uint8Array {
  return new Uint8Array(heap.memory.buffer);
}
function thrown(fn: () => unknown): HeapError {
  try { fn(); } catch (e) { return e as HeapError; }
  throw new Error("expected a throw");
}

describe("the debug heap", () => {
  it("§3.7.4 uninitialised reads stand out: new blocks hold 0xD0, calloc's hold 0", async () => {
    const heap = await createHeap({ debug: true });
    const p = heap.malloc(64);
    expect(bytes(heap).subarray(p, p + 64).every((b) => b === FILL_NEW)).toBe(true);
    expect(new DataView(heap.memory.buffer).getUint32(p, true)).toBe(0xD0D0D0D0);
    const c = heap.calloc(8, 8);
    expect(bytes(heap).subarray(c, c + 64).every((b) => b === 0)).toBe(true);
    expect(heap.stats().bytesCleared).toBe(64);
  });

  it("§3.7.5 a write after free is reported by check(), with block, size and offset", async () => {
    const heap = await createHeap({ debug: true });
    const p = heap.malloc(30);
    heap.free(p);
    expect(bytes(heap).subarray(p, p + 30).every((b) => b === FILL_FREED)).toBe(true);
    bytes(heap)[p + 12] = 42;                // the bug
    const v = heap.check();
    expect(v).toMatchObject({ code: "use-after-free", invariant: 16, address: p });
    expect(v!.message).toBe(`use-after-free: block ${p} (0x${p.toString(16)}) (30 bytes) was written at offset 12 after it was freed (I16)`);
  });

  it("§3.7.5 ...and when the block leaves the quarantine, the call is refused and changes nothing", async () => {
    const heap = await createHeap({ debug: true });
    const p = heap.malloc(30);
    heap.free(p);
    bytes(heap)[p] = 1;
    const live: number[] = [];
    let err: HeapError | undefined;
    for (let i = 0; i < 200 && !err; i++) {
      const q = heap.malloc(16);
      live.push(q);
      try { heap.free(q); } catch (e) { err = e as HeapError; }
    }
    expect(err).toBeInstanceOf(HeapError);
    expect(err!.code).toBe("use-after-free");
    expect(err!.address).toBe(p);
    expect(err!.message).toMatch(/refused: use-after-free: block .* \(30 bytes\) was written at offset 0 after it was freed \(found as that block left the quarantine\)/);
    const last = live[live.length - 1];
    expect(heap.usableSize(last)).toBe(16);  // the refused free left it live
    heap.free(last);                          // and it frees now
    expect(heap.check()).toBeNull();
  });

  it("§3.7.6 the i <= n loop: one byte past a 30-byte block is caught at free, before any header is hit", async () => {
    const heap = await createHeap({ debug: true });
    const n = 30;
    const p = heap.malloc(n);
    const next = heap.malloc(8);
    for (let i = 0; i <= n; i++) bytes(heap)[p + i] = 0;   // the bug: <= instead of <
    const err = thrown(() => heap.free(p));
    expect(err.code).toBe("heap-overflow");
    expect(err.address).toBe(p);
    expect(err.message).toBe(`free(${p} (0x${p.toString(16)})) refused: heap-overflow: block ${p} (0x${p.toString(16)}) (30 bytes) was written 1 byte past its end (the farthest at offset 30)`);
    expect(heap.check()).toMatchObject({ code: "heap-overflow", invariant: 15, address: p });
    expect(() => heap.realloc(p, 60)).toThrow(expect.objectContaining({ code: "heap-overflow" }));
    expect(heap.usableSize(next)).toBe(8);   // the neighbour is untouched
  });

  it("§3.7.6 a write before the start is caught too, with how far it went", async () => {
    const heap = await createHeap({ debug: true });
    const p = heap.malloc(16);
    bytes(heap)[p - 3] = 0;
    expect(thrown(() => heap.free(p)).message).toMatch(/was written 3 bytes before its start/);
  });

  it("§3.7.8 leaks: leaks() lists live blocks with size, sequence and label; leaksSince(mark) what a request left", async () => {
    const heap = await createHeap({ debug: true });
    const a = heap.malloc(10, "config");
    const mark = heap.mark();
    const b = heap.malloc(20, "request 1: buffer");
    const c = heap.calloc(2, 4);
    heap.free(c);
    expect(heap.leaks()).toEqual([
      { ptr: a, size: 10, seq: 1, label: "config" },
      { ptr: b, size: 20, seq: 2, label: "request 1: buffer" },
    ]);
    expect(heap.leaksSince(mark)).toEqual([{ ptr: b, size: 20, seq: 2, label: "request 1: buffer" }]);
    const b2 = heap.realloc(b, 40);          // the label follows the block
    expect(heap.leaksSince(mark)).toEqual([{ ptr: b2, size: 40, seq: 4, label: "request 1: buffer" }]);
    heap.free(b2);
    expect(heap.leaksSince(mark)).toEqual([]);
  });

  it("§3.7.8 captured stacks point at the allocating code", async () => {
    const heap = await createHeap({ debug: true, captureStacks: true });
    function allocateForCache(): number { return heap.malloc(12); }
    allocateForCache();
    const [leak] = heap.leaks();
    expect(leak.stack).toMatch(/allocateForCache/);
  });

  it("allocArray's blocks are recorded like malloc's: a captured stack, forgotten when the handle frees", async () => {
    const heap = await createHeap({ debug: true, captureStacks: true });
    function loadSamples() { return heap.allocArray(Float64Array, 100); }
    const samples = loadSamples();
    const [leak] = heap.leaks();
    expect(leak).toMatchObject({ ptr: samples.ptr, size: 800 });
    expect(leak.stack).toMatch(/loadSamples/);
    samples.free();
    expect(heap.leaks()).toEqual([]);
  });

  it("double free: a quarantined block, and a block already given back", async () => {
    const heap = await createHeap({ debug: true });
    const p = heap.malloc(8);
    heap.free(p);
    const err = thrown(() => heap.free(p));
    expect(err.code).toBe("double-free");
    expect(err.message).toMatch(/already free/);
    for (let i = 0; i < 130; i++) heap.free(heap.malloc(8)); // p leaves the quarantine
    expect(heap.stats().quarantinedBlocks).toBeLessThanOrEqual(128);
    expect(() => heap.free(p)).toThrow(HeapError);
    expect(heap.check()).toBeNull();
  });

  it("invalid free: an interior pointer, and the core pointer under the debug prefix", async () => {
    const heap = await createHeap({ debug: true });
    const p = heap.malloc(64);
    for (const bad of [p + 8, p - 24, p - 8, 16]) {
      expect(thrown(() => heap.free(bad))).toMatchObject({ code: "invalid-pointer" });
    }
    heap.free(p);
    expect(heap.check()).toBeNull();
  });

  it("alignment, usableSize and realloc keep their contracts", async () => {
    const heap = await createHeap({ debug: true });
    for (const align of [16, 64, 4096]) {
      const p = heap.alignedAlloc(align, 40);
      expect(p % align).toBe(0);
      expect(heap.usableSize(p)).toBe(40);
      heap.free(p);
    }
    const p = heap.malloc(10);
    bytes(heap).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p);
    const q = heap.realloc(p, 100);
    expect(q).not.toBe(p);                   // always moves, so stale pointers land in quarantine
    expect([...bytes(heap).subarray(q, q + 10)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(bytes(heap)[q + 10]).toBe(FILL_NEW);
    expect(() => heap.free(p)).toThrow(expect.objectContaining({ code: "double-free" }));
    expect(heap.check()).toBeNull();
  });

  it("refuses captureStacks without debug, and labels that are not strings", async () => {
    await expect(createHeap({ captureStacks: true })).rejects.toThrow(/needs debug/);
    await expect(createHeap({ debug: "yes" as never })).rejects.toThrow(TypeError);
    const heap = await createHeap({ debug: true });
    expect(() => heap.malloc(8, 42 as never)).toThrow(TypeError);
    expect(() => heap.realloc(0, 8, {} as never)).toThrow(TypeError);
    expect(heap.stats().usedBlocks).toBe(0);  // nothing was allocated for the refused calls
  });
});
