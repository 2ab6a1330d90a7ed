// Growth through memory.grow (our brk), the maximumPages limit, and results above 2 GiB.
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { CONFIGS, HEADER, PAGE, PROLOGUE, blockSize, freshHeap } from "./helpers.js";

describe("growth", () => {
  it.each(CONFIGS)("$policy/$coalesce: grows memory through memory.grow and counts it", async (cfg) => {
    const { heap } = await freshHeap(cfg);
    const before = heap.stats();
    expect(before.memoryBytes).toBe(PAGE);
    expect(heap.memory.buffer.byteLength).toBe(PAGE);
    const oldBuffer = heap.memory.buffer;
    const p = heap.malloc(3 * PAGE);
    expect(p).not.toBe(0);
    const after = heap.stats();
    expect(heap.memory.buffer).not.toBe(oldBuffer);
    expect(heap.memory.buffer.byteLength).toBe(after.memoryBytes);
    expect(after.memoryBytes).toBeGreaterThanOrEqual(after.heapStart + after.extent);
    expect(after.memoryBytes - PAGE).toBeLessThan(after.heapStart + after.extent); // no whole page too many
    expect(after.growCalls).toBe(before.growCalls + 1);
    expect(heap.check()).toBeNull();
  });

  it("grows by exactly the shortfall, in bytes, and only calls memory.grow for new pages", async () => {
    const { heap } = await freshHeap();
    const s0 = heap.stats();
    heap.malloc(100);
    const s1 = heap.stats();
    expect(s1.extent - s0.extent).toBe(blockSize(100));
    expect(s1.growCalls).toBe(s0.growCalls);   // the first page still had room
  });

  it("extends a free block at the heap's end instead of skipping it", async () => {
    const { heap } = await freshHeap();
    heap.malloc(8);
    const a = heap.malloc(1000);             // 1008 bytes, the last block
    heap.free(a);
    const e0 = heap.stats().extent;
    const b = heap.malloc(3000);             // 3008 bytes: extend the 1008 by 2000
    expect(b).toBe(a);
    expect(heap.stats().extent - e0).toBe(blockSize(3000) - blockSize(1000));
    expect(heap.stats().freeBlocks).toBe(0);
    expect(heap.check()).toBeNull();
  });

  it("above 1 MiB grows memory 1/20 ahead: few memory.grow calls, memory within 5% of the extent", async () => {
    const heap = await createHeap();
    for (let i = 0; i < 96 * 1024; i++) expect(heap.malloc(1020)).not.toBe(0);   // 96 MiB in 1 KiB blocks
    const s = heap.stats();
    expect(s.extent).toBeGreaterThan(96 * 2 ** 20);
    expect(s.memoryBytes).toBeLessThanOrEqual(s.heapStart + s.extent * 1.05 + PAGE);
    expect(s.growCalls).toBeLessThan(20 + 100);         // page by page up to 1.25 MiB (1/20 is under a page), then O(log): ln 96 / ln 1.05 ≈ 94
    expect(heap.check()).toBeNull();
  });

  it("reaches initialPages at creation", async () => {
    const heap = await createHeap({ initialPages: 5 });
    expect(heap.stats()).toMatchObject({ memoryBytes: 5 * PAGE, growCalls: 1, extent: PROLOGUE + HEADER });
    expect(heap.malloc(3 * PAGE)).not.toBe(0);
    expect(heap.stats().growCalls).toBe(1);  // within the initial pages: no new grow
  });
});

describe("maximumPages", () => {
  it.each(CONFIGS)("$policy/$coalesce: returns 0 at the limit and recovers after frees", async (cfg) => {
    const heap = await createHeap({ ...cfg, maximumPages: 3 });
    const ptrs: number[] = [];
    for (;;) {
      const p = heap.malloc(4000);
      if (p === 0) break;
      ptrs.push(p);
      expect(ptrs.length).toBeLessThan(100);
    }
    const s = heap.stats();
    expect(s.memoryBytes).toBe(3 * PAGE);
    expect(heap.check()).toBeNull();
    expect(heap.malloc(4000)).toBe(0);      // still 0, still sound
    expect(heap.calloc(1000, 4)).toBe(0);
    expect(heap.realloc(ptrs[0], 3 * PAGE)).toBe(0);
    expect(heap.check()).toBeNull();
    // Two neighbours (the start table's chunks sit between some blocks) freed: together they hold 8008.
    const i = ptrs.findIndex((p, k) => ptrs[k + 1] === p + 4008);
    expect(i).toBeGreaterThanOrEqual(0);
    heap.free(ptrs[i]);
    heap.free(ptrs[i + 1]);
    const within = (p: number, bytes: number) => p >= ptrs[i] && p + bytes <= ptrs[i] + 8008;
    const merged = heap.malloc(8000);
    expect(merged).toBe(ptrs[i]);           // exactly the two merged blocks
    heap.free(merged);
    expect(within(heap.malloc(4000), 4000)).toBe(true);   // (segregated fits may take either end)
    expect(heap.check()).toBeNull();
    expect(heap.stats().memoryBytes).toBe(3 * PAGE);
  });

  it("returns 0 at once for requests no wasm32 heap can hold", async () => {
    const heap = await createHeap();
    for (const n of [2 ** 32 - 1, 2 ** 32 - 65536, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(heap.malloc(n)).toBe(0);
    }
    expect(heap.stats().memoryBytes).toBe(PAGE);
    expect(heap.check()).toBeNull();
  });

  it("a request past maximumPages costs nothing, not even start-table chunks", async () => {
    const heap = await createHeap({ maximumPages: 4 });
    heap.malloc(100);
    const before = heap.stats();
    expect(heap.malloc(5 * PAGE)).toBe(0);
    expect(heap.stats()).toEqual(before);
  });

  // A free block whose start the start table covers but whose end lies past it (it grew in place,
  // then was freed) can still be split at its low end when the table cannot move (the heap is at
  // its limit, and no free block holds the table's next chunk). The address-ordered policies;
  // segregated fits' slack at the heap's end gives another layout.
  // Sizes that put the heap's end just under a 21-page limit once the table has moved (found by
  // search for the table's proportions: one byte per 128 bytes of heap, 1 MiB inline).
  const PAGES_AT_LIMIT = 21;
  const GROWN_AT_LIMIT = 1_338_000;
  it.each(CONFIGS.filter((c) => c.policy !== "segregated"))("$policy/$coalesce: at the limit, a free block reaching past the start table is split where the table covers it", async (cfg) => {
    const P = PAGES_AT_LIMIT;
    const heap = await createHeap({ ...cfg, maximumPages: P });
    const s = () => heap.stats();
    const brk = () => s().heapStart + s().extent;
    const a = heap.malloc((1 << 20) - 200);
    expect(heap.realloc(a, GROWN_AT_LIMIT)).toBe(a);   // grows in place past the first 1 MiB: no new start
    heap.malloc(16);                               // starts past it: the table moves to a chunk
    const coverEnd = s().heapStart + (s().guardBytes - 16) * 128;   // a table byte covers 128 bytes
    heap.malloc(coverEnd - 1000 - brk() - 8);      // used blocks up to 1,000 bytes short of the cover
    const x = heap.malloc(16);
    expect(x - HEADER).toBeLessThan(coverEnd);
    expect(heap.realloc(x, coverEnd - x + 500)).toBe(x);   // grows in place past the cover
    heap.free(x);
    const free = heap.blocks().filter((b) => b.kind === "free");
    expect(free.map((b) => b.address)).toEqual([x - HEADER]);
    // Neither the free block nor the room left below the limit holds the next chunk (at least
    // 1.25 times the current one), so the table cannot move.
    expect(free[0].size + P * PAGE - brk()).toBeLessThan((s().guardBytes - 16) * 1.25);
    expect(heap.malloc(100)).toBe(x);
    expect(heap.check()).toBeNull();
  });

  // A block that grows the heap starts at its old end, which the start table covers: the table
  // need not first cover all of the new block (which near the limit would leave no room for it).
  it.each(CONFIGS)("$policy/$coalesce: a request that fits just under the limit is served, and the table does not grow with it", async (cfg) => {
    const P = 2000;
    const heap = await createHeap({ ...cfg, maximumPages: P });
    expect(heap.malloc(2 << 20)).not.toBe(0);  // stays live: past the first 1 MiB, the table is in a chunk
    const before = heap.stats();
    const room = P * PAGE - (before.heapStart + before.extent);
    const n = room - 300_000;
    const p = heap.malloc(n);
    expect(p).not.toBe(0);
    const after = heap.stats();
    expect(after.guardBytes).toBeLessThan(before.extent / 80);    // a table (1/128) for the old end, not for n
    expect(after.extent - before.extent).toBeLessThan(n + after.guardBytes + 4096);
    expect(heap.check()).toBeNull();
    heap.free(p);
    expect(heap.check()).toBeNull();
  });
});

describe("addresses of 2 GiB and above", () => {
  it("come back as unsigned numbers", async () => {
    const heap = await createHeap();
    const big = heap.malloc(2 ** 31);        // memory past 2 GiB; only touched pages cost RAM
    expect(big).toBeGreaterThan(0);
    const high = heap.malloc(64);
    expect(high).toBeGreaterThan(2 ** 31);
    expect(heap.usableSize(high)).toBe(68);
    const view = new Uint8Array(heap.memory.buffer, high, 64);
    view.fill(7);
    heap.free(big);
    const again = heap.realloc(high, 128);
    expect(again).toBeGreaterThan(2 ** 31);
    expect(new Uint8Array(heap.memory.buffer, again, 64).every((x) => x === 7)).toBe(true);
    heap.free(again);
    expect(heap.check()).toBeNull();
    expect(heap.stats().usedBlocks).toBe(0);
  });
});

describe("steady state", () => {
  // The same work, repeated on a heap that it leaves empty, must find the space it used before.
  const vector = (heap: Awaited<ReturnType<typeof createHeap>>) => {
    let p = 0;
    for (let n = 16; n < 65536; n = Math.ceil(n * 1.5)) p = heap.realloc(p, n);
    heap.free(p);
  };
  const mixed = (heap: Awaited<ReturnType<typeof createHeap>>) => {
    const live: number[] = [];
    for (let i = 0; i < 300; i++) {
      live.push(heap.malloc(8 + ((i * 7919) % 2000)));
      if (i % 3 === 2) heap.free(live.splice((i * 31) % live.length, 1)[0]);
    }
    let v = heap.malloc(16);
    for (let n = 32; n < 20000; n *= 2) v = heap.realloc(v, n);
    live.push(v);
    for (const p of live) heap.free(p);
  };
  // A vector grown by realloc and freed: a block placed at the top of a large free block must not
  // grow the heap on every cycle (it did, before realloc learned to look for a free block first).
  // The mixed work also fragments, so it is steady only where every free merges at once and the
  // search does not depend on where the last one stopped.
  const steady = (cfg: { policy: string; coalesce: string }) =>
    cfg.coalesce === "immediate" && cfg.policy !== "next-fit" ? [vector, mixed] : [vector];
  it.each(CONFIGS)("$policy/$coalesce: repeating work on an emptied heap does not grow it", async (cfg) => {
    for (const work of steady(cfg)) {
      const heap = await createHeap(cfg);
      for (let i = 0; i < 5; i++) work(heap);         // deferred merging may settle a cycle late
      const extent = heap.stats().extent;
      for (let i = 0; i < 30; i++) work(heap);
      expect(heap.stats().extent, work.name).toBe(extent);
      expect(heap.stats().usedBlocks).toBe(0);
      expect(heap.check()).toBeNull();
    }
  });
});
