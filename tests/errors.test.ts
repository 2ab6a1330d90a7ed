// Bad input from JS: a clear error or a documented 0, and the heap intact afterwards.
import { describe, expect, it } from "vitest";
import { HeapError, createHeap } from "../src/index.js";
import type { Heap } from "../src/index.js";

/** Runs `fn` and checks that the heap is exactly as it was. */
function unchanged(heap: Heap, fn: () => void): void {
  const before = heap.stats();
  fn();
  expect(heap.check()).toBeNull();
  expect(heap.stats()).toEqual(before);
}

const NOT_NUMBERS: unknown[] = [undefined, null, "8", 8n, {}, [8], true, Symbol("x"), () => 8];
const BAD_NUMBERS = [NaN, -1, -0.5, 1.5, Infinity, -Infinity, -(2 ** 32)];

describe("sizes", () => {
  it("non-numbers throw TypeError; NaN, fractions, negatives and infinities throw RangeError", async () => {
    const heap = await createHeap();
    const live = heap.malloc(24);
    for (const v of NOT_NUMBERS) {
      unchanged(heap, () => {
        expect(() => heap.malloc(v as number)).toThrow(TypeError);
        expect(() => heap.calloc(v as number, 1)).toThrow(TypeError);
        expect(() => heap.calloc(1, v as number)).toThrow(TypeError);
        expect(() => heap.realloc(live, v as number)).toThrow(TypeError);
        expect(() => heap.alignedAlloc(8, v as number)).toThrow(TypeError);
      });
    }
    for (const v of BAD_NUMBERS) {
      unchanged(heap, () => {
        expect(() => heap.malloc(v)).toThrow(RangeError);
        expect(() => heap.calloc(v, 1)).toThrow(RangeError);
        expect(() => heap.realloc(live, v)).toThrow(RangeError);
        expect(() => heap.alignedAlloc(16, v)).toThrow(RangeError);
      });
    }
    expect(() => heap.malloc(-1)).toThrow(/malloc: size must be a non-negative integer, got -1/);
  });

  it("integers of 2^32 and above return 0, as in C", async () => {
    const heap = await createHeap();
    const live = heap.malloc(24);
    new Uint8Array(heap.memory.buffer, live, 24).fill(9);
    for (const v of [2 ** 32, 2 ** 32 + 8, 2 ** 53]) {
      unchanged(heap, () => {
        expect(heap.malloc(v)).toBe(0);
        expect(heap.calloc(v, 1)).toBe(0);
        expect(heap.realloc(live, v)).toBe(0);
        expect(heap.alignedAlloc(8, v)).toBe(0);
      });
    }
    expect(new Uint8Array(heap.memory.buffer, live, 24).every((x) => x === 9)).toBe(true);
  });
});

describe("pointers", () => {
  it("free(0) does nothing", async () => {
    const heap = await createHeap();
    unchanged(heap, () => heap.free(0));
  });

  it("a second free of the same block throws double-free", async () => {
    for (const coalesce of ["immediate", "deferred"] as const) {
      const heap = await createHeap({ coalesce });
      const p = heap.malloc(40);
      heap.malloc(40);                       // keeps p's block from merging to the right
      heap.free(p);
      unchanged(heap, () => {
        const err = (() => { try { heap.free(p); } catch (e) { return e; } })() as HeapError;
        expect(err).toBeInstanceOf(HeapError);
        expect(err.code).toBe("double-free");
        expect(err.address).toBe(p);
        expect(err.message).toMatch(/already free/);
      });
    }
  });

  it("a block merged into its left neighbour is an invalid pointer", async () => {
    const heap = await createHeap({ cache: false });   // (with the cache, b would wait there: a double free)
    const a = heap.malloc(40);
    const b = heap.malloc(40);
    heap.malloc(40);
    heap.free(a);
    heap.free(b);                            // b merges into a
    unchanged(heap, () => expect(() => heap.free(b)).toThrow(expect.objectContaining({ code: "invalid-pointer" })));
  });

  it("addresses malloc never returned throw invalid-pointer, for every pointer function", async () => {
    const heap = await createHeap();
    const p = heap.malloc(64);
    const q = heap.malloc(64);
    const foreign = [1, 4, 8, p + 4, p + 8, p - 4, q + 32, heap.stats().heapStart, 2 ** 31, 2 ** 32 - 8,
      heap.memory.buffer.byteLength + 64];
    for (const bad of foreign) {
      unchanged(heap, () => {
        expect(() => heap.free(bad)).toThrow(expect.objectContaining({ code: "invalid-pointer", address: bad }));
        expect(() => heap.realloc(bad, 10)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
        expect(() => heap.realloc(bad, 2 ** 33)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
        expect(() => heap.usableSize(bad)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
      });
    }
  });

  it("is exact: payload bytes forged to look like a used or a free block do not fool it", async () => {
    for (const coalesce of ["immediate", "deferred"] as const) {
      const heap = await createHeap({ coalesce });
      const p = heap.malloc(200);
      heap.malloc(8);
      const dv = new DataView(heap.memory.buffer);
      // A fake used block of 32 bytes at p + 60 whose right neighbour agrees it is used...
      dv.setUint32(p + 60, 32 | 1 | 2, true);
      dv.setUint32(p + 92, 16 | 1 | 2, true);
      // ...and a fake free block of 48 bytes at p + 100, with a matching footer.
      dv.setUint32(p + 100, 48 | 2, true);
      dv.setUint32(p + 144, 48, true);
      unchanged(heap, () => {
        expect(() => heap.free(p + 64)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
        expect(() => heap.usableSize(p + 64)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
        expect(() => heap.realloc(p + 64, 8)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
        expect(() => heap.free(p + 104)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
      });
      heap.free(p);
      expect(heap.check()).toBeNull();
    }
  });

  /**
   * Makes `count` blocks on `heap`, frees every third, fills the live payloads with `fill` (a
   * header-like word), and checks every 8-byte address from `from` to past the heap's end: only
   * live payloads are accepted, and only freed ones (that did not merge into a left neighbour,
   * so still start a free block) are double frees.
   */
  function expectExactFrom(heap: Heap, from: number, count: number, fill: number): void {
    const live = new Set<number>();
    const freed = new Set<number>();
    const ptrs = Array.from({ length: count }, (_, i) => heap.malloc((i * 53) % 700));
    ptrs.forEach((p, i) => { if (i % 3 === 0) { heap.free(p); freed.add(p); } else live.add(p); });
    ptrs.forEach((p) => { if (live.has(p)) new Uint32Array(heap.memory.buffer, p, heap.usableSize(p) >> 2).fill(fill); });
    const s = heap.stats();
    for (let a = s.heapStart + from; a < s.heapStart + s.extent + 64; a += 8) {
      if (live.has(a)) continue;
      let code = "";
      try { heap.usableSize(a); } catch (e) { code = (e as HeapError).code; }
      expect(code === "invalid-pointer" || (code === "double-free" && freed.has(a)), `${a}: ${code}`).toBe(true);
    }
    expect(heap.check()).toBeNull();
  }

  it("is exact at every 8-byte address of a heap with many blocks", async () => {
    expectExactFrom(await createHeap(), -64, 300, 0x03030303);
  });

  it("is exact past the first 1 MiB, where the start table lives in a chunk, and refuses the chunk", async () => {
    const heap = await createHeap();
    heap.malloc(1100 * 1024);                                 // what follows lies past the inline table
    expectExactFrom(heap, 1100 * 1024, 400, 400 | 3);         // a used block's header, repeated
    const chunks = heap.blocks().filter((b) => b.kind === "internal");
    expect(chunks.length).toBe(1);
    expect(() => heap.usableSize(chunks[0].address + 4)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
  });

  it("stays exact where the table moved from: its old chunk is an ordinary free block", async () => {
    const heap = await createHeap({ policy: "first-fit" });
    heap.malloc(1100 * 1024);
    heap.malloc(16);                                          // the table moves to a chunk
    const [old] = heap.blocks().filter((b) => b.kind === "internal");
    const keep = heap.malloc(16);                             // (the old chunk's right neighbour stays used)
    heap.malloc(2 * 1024 * 1024);                             // (starts where the table covers)
    heap.malloc(64_000);                                      // starts past its cover: the table moves again (and is larger than the old chunk)
    const blocks = heap.blocks();
    expect(blocks.filter((b) => b.kind === "internal").map((b) => b.address)).not.toContain(old.address);
    const freed = blocks.find((b) => b.address === old.address);
    expect(freed?.kind).toBe("free");
    expect(() => heap.free(old.address + 4)).toThrow(expect.objectContaining({ code: "double-free" }));
    for (let a = old.address - 16; a < old.address + old.size + 16; a += 8) {
      const b = blocks.find((x) => x.address + 4 === a);
      const want = b === undefined ? "invalid-pointer" : b.kind === "free" ? "double-free" : "";
      let code = "";
      try { heap.usableSize(a); } catch (e) { code = (e as HeapError).code; }
      expect(code, `${a}`).toBe(want);
    }
    expect(heap.usableSize(keep)).toBeGreaterThanOrEqual(16);
    expect(heap.check()).toBeNull();
  });

  it("non-integer numbers are invalid pointers; non-numbers are TypeErrors", async () => {
    const heap = await createHeap();
    for (const v of BAD_NUMBERS) {
      unchanged(heap, () => {
        expect(() => heap.free(v)).toThrow(HeapError);
        expect(() => heap.realloc(v, 8)).toThrow(HeapError);
        expect(() => heap.usableSize(v)).toThrow(HeapError);
      });
    }
    for (const v of NOT_NUMBERS) {
      unchanged(heap, () => {
        expect(() => heap.free(v as number)).toThrow(TypeError);
        expect(() => heap.realloc(v as number, 8)).toThrow(TypeError);
        expect(() => heap.usableSize(v as number)).toThrow(TypeError);
      });
    }
  });
});

describe("alignments", () => {
  it("refuses alignments that are not powers of two", async () => {
    const heap = await createHeap();
    for (const a of [0, 3, 6, 24, 100, -8, 0.5, NaN, 2 ** 32, Infinity]) {
      unchanged(heap, () => expect(() => heap.alignedAlloc(a, 8)).toThrow(RangeError));
    }
    unchanged(heap, () => expect(() => heap.alignedAlloc("16" as never, 8)).toThrow(TypeError));
  });
});

describe("options", () => {
  it("rejects unknown keys, bad policies and bad page counts", async () => {
    await expect(createHeap({ polcy: "best-fit" } as never)).rejects.toThrow(/unknown option "polcy"/);
    await expect(createHeap({ policy: "worst-fit" as never })).rejects.toThrow(RangeError);
    await expect(createHeap({ coalesce: "later" as never })).rejects.toThrow(RangeError);
    await expect(createHeap({ maximumPages: 0 })).rejects.toThrow(RangeError);
    await expect(createHeap({ maximumPages: 65537 })).rejects.toThrow(RangeError);
    await expect(createHeap({ initialPages: 4, maximumPages: 2 })).rejects.toThrow(RangeError);
    await expect(createHeap({ initialPages: 1.5 })).rejects.toThrow(RangeError);
    await expect(createHeap({ initialPages: "2" as never })).rejects.toThrow(TypeError);
    await expect(createHeap(42 as never)).rejects.toThrow(TypeError);
  });

  it("fills in the documented defaults", async () => {
    const heap = await createHeap();
    expect(heap.policy).toBe("segregated");
    expect(heap.coalesce).toBe("immediate");
    expect(heap.stats().memoryBytes).toBe(65536);
    const tight = await createHeap({ initialPages: 0, maximumPages: 1 });
    expect(tight.stats().memoryBytes).toBe(65536);
    expect(tight.malloc(70000)).toBe(0);
  });
});
