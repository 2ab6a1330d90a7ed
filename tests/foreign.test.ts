// A heap in memory that someone else owns (createHeap({ memory, heapBase }), the foreign build):
// it leaves everything below heapBase alone, takes only pages it grew itself, steps over pages
// that someone else grew, and refuses bad options with errors that say what is wrong.
import { describe, expect, it } from "vitest";
import { HeapError, createHeap } from "../src/index.js";
import { seededRandom } from "../src/tools/index.js";
import type { Heap } from "../src/index.js";
import { CONFIGS, ODD_VALUES, PAGE } from "./helpers.js";

/** A memory whose every byte is `fill`, as a module's memory that was used before. */
function dirtyMemory(pages: number, fill = 0x5A, maximum?: number): WebAssembly.Memory {
  const memory = new WebAssembly.Memory(maximum === undefined ? { initial: pages } : { initial: pages, maximum });
  new Uint8Array(memory.buffer).fill(fill);
  return memory;
}

/** Someone else grows `memory` by `pages` and writes them all; returns where their pages start. */
function othersGrow(memory: WebAssembly.Memory, pages: number, fill: number): number {
  const at = memory.grow(pages) * PAGE;
  new Uint8Array(memory.buffer, at, pages * PAGE).fill(fill);
  return at;
}

/** Whether `memory` holds `fill` in [from, to). */
function holds(memory: WebAssembly.Memory, from: number, to: number, fill: number): boolean {
  return new Uint8Array(memory.buffer, from, to - from).every((b) => b === fill);
}

describe("createHeap({ memory, heapBase })", () => {
  it("puts the heap above heapBase and never writes below it", async () => {
    const memory = dirtyMemory(2);
    const heap = await createHeap({ memory, heapBase: 5000 });
    expect(heap.memory).toBe(memory);
    expect(heap.stats().heapStart).toBeGreaterThan(5000);
    const ptrs: number[] = [];
    for (let i = 0; i < 3000; i++) ptrs.push(heap.malloc(1 + (i * 37) % 900));
    for (const p of ptrs) expect(p).toBeGreaterThan(5000);
    for (let i = 0; i < ptrs.length; i += 2) heap.free(ptrs[i]);
    expect(heap.check()).toBeNull();
    expect(holds(memory, 0, 5000, 0x5A)).toBe(true);
    expect(heap.stats().foreignBytes).toBe(0);
  });

  it("clears the memory it takes, so calloc and fresh blocks read zero over dirty memory", async () => {
    const memory = dirtyMemory(4, 0xFF);
    const heap = await createHeap({ memory, heapBase: 1024 });
    const p = heap.calloc(1000, 100);
    expect(holds(memory, p, p + 100_000, 0)).toBe(true);
    expect(heap.check()).toBeNull();
  });

  it.each(CONFIGS)("steps over pages that someone else grew, and leaves them as they were ($policy, $coalesce)", async (config) => {
    const memory = dirtyMemory(1, 0);
    const heap = await createHeap({ memory, heapBase: 2048, ...config });
    const theirs: [number, number, number][] = [];
    const live = new Map<number, number>();
    const rand = seededRandom(7);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 400; i++) {
        const n = 1 + Math.floor(rand() * (rand() < 0.05 ? 200_000 : 2000));
        const p = heap.malloc(n);
        expect(p).not.toBe(0);
        new Uint8Array(memory.buffer, p, n).fill(i & 0xFF);
        live.set(p, n);
        if (rand() < 0.4) {
          const [q, m] = [...live][Math.floor(rand() * live.size)];
          heap.free(q);
          live.delete(q);
          expect(m).toBeGreaterThan(0);
        }
      }
      const pages = 1 + round;
      const at = othersGrow(memory, pages, 0xC0 + round);
      theirs.push([at, at + pages * PAGE, 0xC0 + round]);
      expect(heap.check()).toBeNull();
    }
    for (const [from, to, fill] of theirs) expect(holds(memory, from, to, fill)).toBe(true);
    for (const [p, n] of live) {
      const dv = new DataView(memory.buffer);
      expect(dv.getUint32(p - 4, true) & ~7).toBeGreaterThanOrEqual(n + 4);   // a used block that holds it
      heap.free(p);
    }
    expect(heap.check()).toBeNull();
    const s = heap.stats();
    expect(s.usedBytes).toBe(0);
    expect(s.foreignBytes).toBeGreaterThanOrEqual(theirs.reduce((sum, [from, to]) => sum + to - from, 0) - 5 * PAGE);
    expect(s.freeBytes).toBe(s.extent - 12 - s.guardBytes - s.foreignBytes);
    const gaps = heap.blocks().filter((b) => b.kind === "internal" && b.size > PAGE);
    expect(gaps.length).toBeGreaterThan(0);
    for (const [from, to] of theirs) {
      for (const ptr of [from, from + 8, to - 8]) {
        expect(() => heap.free(ptr)).toThrow(HeapError);
      }
    }
  });

  it("grows only while it has room for another gap (8), then returns 0 with the heap intact", async () => {
    const memory = dirtyMemory(1, 0);
    const heap = await createHeap({ memory, heapBase: 1024 });
    let served = 0;
    for (let i = 0; i < 12; i++) {
      othersGrow(memory, 1, 0xEE);
      const p = heap.malloc(2 * PAGE);
      if (p !== 0) served++;
      expect(heap.check()).toBeNull();
    }
    expect(served).toBe(8);
    expect(heap.malloc(16)).not.toBe(0);    // what it has still serves
  });

  it("respects maximumPages as the memory's size, and the memory's own maximum", async () => {
    const heap = await createHeap({ memory: dirtyMemory(1, 0), heapBase: 1024, maximumPages: 4 });
    expect(heap.malloc(4 * PAGE)).toBe(0);
    expect(heap.malloc(3 * PAGE)).not.toBe(0);
    expect(heap.stats().memoryBytes).toBeLessThanOrEqual(4 * PAGE);
    const small = await createHeap({ memory: dirtyMemory(1, 0, 2), heapBase: 1024 });
    expect(small.malloc(2 * PAGE)).toBe(0);
    expect(small.malloc(30_000)).not.toBe(0);
    expect(small.check()).toBeNull();
  });

  it("runs the debug heap there too", async () => {
    const memory = dirtyMemory(2);
    const heap = await createHeap({ memory, heapBase: 4096, debug: true });
    const p = heap.malloc(30);
    new Uint8Array(memory.buffer)[p + 30] = 1;
    expect(() => heap.free(p)).toThrow(/heap-overflow/);
    expect(holds(memory, 0, 4096, 0x5A)).toBe(true);
  });

  it("refuses bad options with errors that say what is wrong", async () => {
    const memory = dirtyMemory(1);
    await expect(createHeap({ memory: {} as WebAssembly.Memory, heapBase: 1024 })).rejects.toThrow(/memory must be a WebAssembly.Memory/);
    await expect(createHeap({ memory })).rejects.toThrow(/memory needs heapBase/);
    await expect(createHeap({ heapBase: 1024 })).rejects.toThrow(/heapBase needs memory/);
    await expect(createHeap({ memory, heapBase: 1024, shared: true })).rejects.toThrow(TypeError);
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    await expect(createHeap({ memory: shared, heapBase: 1024 })).rejects.toThrow(/cannot be shared/);
    for (const heapBase of [0, -8, 1.5, NaN, Infinity, 2 ** 32, 2 ** 32 - 65535, ...ODD_VALUES.map(([, v]) => v).filter((v) => typeof v !== "number")]) {
      await expect(createHeap({ memory, heapBase: heapBase as number })).rejects.toThrow(/heapBase/);
    }
    // A base whose state is past what memory can ever hold.
    await expect(createHeap({ memory: dirtyMemory(1, 0, 1), heapBase: 60_000 })).rejects.toThrow(HeapError);
  });
});

/** A heap over the first `pages` of a fresh memory, for the cases below. */
async function heapAt(heapBase: number): Promise<Heap> {
  return createHeap({ memory: new WebAssembly.Memory({ initial: 1 }), heapBase });
}

describe("heapBase", () => {
  it("is rounded up to 8, and the heap starts past its state", async () => {
    const a = await heapAt(1001);
    const b = await heapAt(1008);
    expect(a.stats().heapStart).toBe(b.stats().heapStart);
    expect(a.malloc(8) % 8).toBe(0);
  });
});
