// Exact placements, computed from the layout constants: policies, splitting, coalescing.
import { describe, expect, it } from "vitest";
import { COALESCING, CONFIGS, HEADER, LEFT_USED, MIN_BLOCK, PROLOGUE, USED, blockSize, freshHeap, header } from "./helpers.js";

describe("the empty heap", () => {
  it.each(CONFIGS)("$policy/$coalesce: places blocks back to back from the prologue", async (cfg) => {
    const { heap, first, start } = await freshHeap(cfg);
    expect(heap.stats()).toMatchObject({ extent: PROLOGUE + HEADER, usedBytes: 0, freeBlocks: 0 });
    const a = heap.malloc(1);
    const b = heap.malloc(12);
    const c = heap.malloc(13);
    const d = heap.malloc(0);
    expect(a).toBe(first);
    expect(b).toBe(a + MIN_BLOCK);          // 1 byte still takes the minimum block
    expect(c).toBe(b + MIN_BLOCK);          // 12 + 4 fits 16 exactly
    expect(d).toBe(c + 24);                 // 13 + 4 rounds up to 24
    expect(header(heap, a)).toBe(MIN_BLOCK | USED | LEFT_USED);
    expect(heap.stats().extent).toBe(PROLOGUE + 16 + 16 + 24 + 16 + HEADER);
    expect(start % 8).toBe(4);
    for (const p of [a, b, c, d]) expect(p % 8).toBe(0);
    expect(heap.check()).toBeNull();
  });
});

describe("placement policies", () => {
  // Blocks of 104, 24, 64, 24, 48, 24, 208, 24 bytes; freeing the 1st, 3rd and 5th leaves holes
  // of 104, 64 and 48 bytes. Then 40 (48), 60 (64) and 40 (48) bytes are requested.
  async function holes(policy: "first-fit" | "next-fit" | "best-fit") {
    const { heap, first } = await freshHeap({ policy });
    const sizes = [100, 20, 60, 20, 40, 20, 200, 20];
    const ptrs = sizes.map((n) => heap.malloc(n));
    let at = first;
    sizes.forEach((n, i) => { expect(ptrs[i]).toBe(at); at += blockSize(n); });
    for (const i of [0, 2, 4]) heap.free(ptrs[i]);
    expect(heap.stats()).toMatchObject({ freeBlocks: 3, largestFree: 104 });
    const [hole104, hole64, hole48] = [ptrs[0], ptrs[2], ptrs[4]];
    const got = [heap.malloc(40), heap.malloc(60), heap.malloc(40)];
    expect(heap.check()).toBeNull();
    return { got, hole104, hole64, hole48 };
  }

  it("first fit takes the lowest address that fits", async () => {
    const { got, hole104, hole64 } = await holes("first-fit");
    // 48 from the 104 hole (56 stays free), 64 fits the 64 hole exactly, 48 fits the 56 remainder.
    expect(got).toEqual([hole104, hole64, hole104 + 48]);
  });

  it("next fit resumes after its last placement", async () => {
    const { got, hole104, hole64, hole48 } = await holes("next-fit");
    // After the 64 hole the rover is at the 48 hole, so the last request lands there, not in the 56 remainder.
    expect(got).toEqual([hole104, hole64, hole48]);
  });

  it("best fit takes the smallest block that fits", async () => {
    const { got, hole104, hole64, hole48 } = await holes("best-fit");
    expect(got).toEqual([hole48, hole64, hole104]);
  });

  it("next fit wraps around to the start", async () => {
    const { heap } = await freshHeap({ policy: "next-fit" });
    const p = [40, 20, 40, 20, 20, 20].map((n) => heap.malloc(n)); // holes of 48, 48 and 24 to be
    heap.free(p[0]);
    heap.free(p[2]);
    heap.free(p[4]);
    expect(heap.malloc(40)).toBe(p[0]);     // the rover starts at the head; it moves on to p[2]
    heap.free(p[0]);
    expect(heap.malloc(40)).toBe(p[2]);     // first fit would take p[0]; the rover is at p[2]
    expect(heap.malloc(40)).toBe(p[0]);     // p[4] is too small: wrap to the head
    expect(heap.check()).toBeNull();
  });

  it("best fit breaks ties by the lowest address", async () => {
    const { heap } = await freshHeap({ policy: "best-fit" });
    const p = [40, 20, 40, 20, 40, 20].map((n) => heap.malloc(n));
    heap.free(p[4]);
    heap.free(p[0]);
    heap.free(p[2]);
    expect(heap.malloc(40)).toBe(p[0]);
    expect(heap.malloc(40)).toBe(p[2]);
    expect(heap.check()).toBeNull();
  });
});

describe("splitting", () => {
  it.each(CONFIGS)("$policy/$coalesce: keeps the low end and leaves the rest free", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const big = heap.malloc(300);           // a 304-byte block
    const guard = heap.malloc(8);
    heap.free(big);
    const p = heap.malloc(50);              // 56 bytes from the low end
    expect(p).toBe(big);
    expect(header(heap, p)).toBe(56 | USED | LEFT_USED);
    const rest = p - HEADER + 56;
    const dv = new DataView(heap.memory.buffer);
    expect(dv.getUint32(rest, true)).toBe(248 | LEFT_USED);  // free, left used
    expect(dv.getUint32(rest + 248 - 4, true)).toBe(248);    // its footer
    expect(header(heap, guard) & LEFT_USED).toBe(0);         // guard's left is free
    expect(heap.stats()).toMatchObject({ freeBlocks: 1, largestFree: 248 });
    expect(heap.check()).toBeNull();
  });

  it("does not split off less than a minimum block", async () => {
    const { heap } = await freshHeap();
    const a = heap.malloc(20);              // 24
    heap.malloc(8);
    heap.free(a);
    const b = heap.malloc(12);              // 16 wanted, 8 left over: too small to split
    expect(b).toBe(a);
    expect(header(heap, b) & ~7).toBe(24);
    expect(heap.usableSize(b)).toBe(20);
    expect(heap.stats().freeBlocks).toBe(0);
    expect(heap.check()).toBeNull();
  });
});

describe("segregated fits", () => {
  it("reuses a freed block of the same size last in, first out", async () => {
    const { heap } = await freshHeap({ policy: "segregated" });
    const [a, , b] = [40, 8, 40, 8].map((n) => heap.malloc(n));
    heap.malloc(8);
    heap.free(a);
    heap.free(b);
    expect(heap.malloc(40)).toBe(b);         // the 48-byte class, last in first out
    expect(heap.malloc(44)).toBe(a);
    expect(heap.check()).toBeNull();
  });

  it("splits a block at its high end for a request no larger than the typical one, at its low end for a larger one", async () => {
    const { heap } = await freshHeap({ policy: "segregated" });
    for (let i = 0; i < 32; i++) heap.malloc(100);          // the typical request: a 104-byte block
    const room = heap.malloc(5000);                         // (above what the cache holds: freed, it merges)
    heap.malloc(8);                                          // pins the room's right side
    heap.free(room);
    // Best fit in class: the smallest free block that holds the request.
    const bestFit = (size: number) => heap.blocks().filter((b) => b.kind === "free" && b.size >= size).sort((x, y) => x.size - y.size)[0];
    const forLarge = bestFit(blockSize(1000));
    expect(forLarge.size).toBeGreaterThan(blockSize(1000) + MIN_BLOCK);   // it will be split
    expect(heap.malloc(1000) - 4).toBe(forLarge.address);                 // low end
    // A request no larger than the typical one whose best fit is large enough to split.
    const n = Array.from({ length: 24 }, (_, k) => 96 - 4 * k).find((k) => bestFit(blockSize(k)).size >= blockSize(k) + MIN_BLOCK);
    expect(n).toBeDefined();
    const forSmall = bestFit(blockSize(n!));
    expect(heap.malloc(n!) - 4 + blockSize(n!)).toBe(forSmall.address + forSmall.size); // high end
    expect(heap.check()).toBeNull();
  });

  it("keeps small and large blocks apart, so that freed large blocks merge and hold larger requests", async () => {
    // The pattern that every free-list policy loses on (Malloc Lab's binary traces): 56- and
    // 440-byte blocks alternate, the 440s are freed, and 504-byte blocks are asked for.
    async function run(policy: "segregated" | "best-fit") {
      const { heap } = await freshHeap({ policy });
      const large: number[] = [];
      for (let i = 0; i < 200; i++) {
        heap.malloc(56);
        large.push(heap.malloc(440));
      }
      const extent = heap.stats().extent;
      for (const p of large) heap.free(p);
      let fitted = 0;
      for (let i = 0; i < 200 && heap.stats().extent === extent; i++) if (heap.malloc(504) && heap.stats().extent === extent) fitted++;
      expect(heap.check()).toBeNull();
      return fitted;
    }
    expect(await run("best-fit")).toBe(0);                  // every hole is 8 bytes too small
    expect(await run("segregated")).toBeGreaterThanOrEqual(140);
  });

  it("deferred: merges by walking the heap when a search fails", async () => {
    const { heap } = await freshHeap({ policy: "segregated", coalesce: "deferred" });
    const p = [0, 1, 2, 3].map(() => heap.malloc(20));
    heap.malloc(20);
    for (const x of p) heap.free(x);
    expect(heap.stats().freeBlocks).toBe(4);
    const extent = heap.stats().extent;
    expect(heap.malloc(90)).toBe(p[0]);      // 96 bytes: only the four merged can hold it
    expect(heap.stats()).toMatchObject({ extent, freeBlocks: 0 });
    expect(heap.check()).toBeNull();
  });
});

describe("immediate coalescing: the four cases", () => {
  // Five 24-byte blocks A B C D E, then a guard; free some, then free C.
  async function five() {
    const { heap } = await freshHeap({ coalesce: "immediate", cache: false });   // (the chapter's heap: no cache)
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map(() => heap.malloc(20));
    heap.malloc(20);
    return { heap, a, b, c, d, e };
  }

  it("case 1: both neighbours used, the block stands alone", async () => {
    const { heap, c } = await five();
    heap.free(c);
    expect(heap.stats()).toMatchObject({ freeBlocks: 1, largestFree: 24 });
    expect(heap.check()).toBeNull();
  });

  it("case 2: the right neighbour is free and is absorbed", async () => {
    const { heap, c, d } = await five();
    heap.free(d);
    heap.free(c);
    expect(heap.stats()).toMatchObject({ freeBlocks: 1, largestFree: 48 });
    expect(header(heap, c)).toBe(48 | LEFT_USED);
    expect(heap.check()).toBeNull();
  });

  it("case 3: the left neighbour is free and absorbs the block", async () => {
    const { heap, b, c } = await five();
    heap.free(b);
    heap.free(c);
    expect(heap.stats()).toMatchObject({ freeBlocks: 1, largestFree: 48 });
    expect(header(heap, b)).toBe(48 | LEFT_USED);
    expect(() => heap.free(c)).toThrow(expect.objectContaining({ code: "invalid-pointer" })); // c merged away
    expect(heap.check()).toBeNull();
  });

  it("case 4: both neighbours are free and all three merge", async () => {
    const { heap, b, c, d } = await five();
    heap.free(b);
    heap.free(d);
    expect(heap.stats().freeBlocks).toBe(2);
    heap.free(c);
    expect(heap.stats()).toMatchObject({ freeBlocks: 1, largestFree: 72 });
    expect(header(heap, b)).toBe(72 | LEFT_USED);
    expect(heap.check()).toBeNull();
  });
});

describe("deferred coalescing", () => {
  it("merges only when a search fails, and before growing the heap (first fit)", async () => {
    const { heap } = await freshHeap({ policy: "first-fit", coalesce: "deferred" });
    const p = [0, 1, 2, 3].map(() => heap.malloc(20));
    heap.malloc(20);
    for (const x of p) heap.free(x);
    expect(heap.stats()).toMatchObject({ freeBlocks: 4, largestFree: 24 }); // nothing merged yet
    expect(heap.malloc(20)).toBe(p[0]);     // a fit exists: still no merge
    expect(heap.stats().freeBlocks).toBe(3);
    const extent = heap.stats().extent;
    expect(heap.malloc(60)).toBe(p[1]);     // no 64-byte block: merge the three, then fit
    expect(heap.stats()).toMatchObject({ extent, freeBlocks: 0 });
    expect(heap.check()).toBeNull();
  });

  it.each(COALESCING)("%s: adjacent free blocks are allowed only when deferred", async (coalesce) => {
    const { heap } = await freshHeap({ coalesce, cache: false });
    const [a, b] = [heap.malloc(20), heap.malloc(20)];
    heap.malloc(20);
    heap.free(a);
    heap.free(b);
    expect(heap.stats().freeBlocks).toBe(coalesce === "deferred" ? 2 : 1);
    expect(heap.check()).toBeNull();
  });
});
