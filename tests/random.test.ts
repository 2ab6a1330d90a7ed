// Randomized sequences (fast-check) over every policy and coalescing mode: check() after every
// operation, and every live block's contents and bounds against a model.
import fc from "fast-check";
import { describe, it } from "vitest";
import { createHeap } from "../src/index.js";
import type { Heap } from "../src/index.js";
import { CONFIGS, HEADER, fill, holds } from "./helpers.js";

type Op =
  | { op: "malloc"; size: number }
  | { op: "calloc"; count: number; size: number }
  | { op: "realloc"; pick: number; size: number }
  | { op: "aligned"; shift: number; size: number }
  | { op: "free"; pick: number };

const tiny = fc.integer({ min: 0, max: 64 });
const small = fc.integer({ min: 65, max: 4096 });
const pages = fc.integer({ min: 4097, max: 200_000 });
const huge = fc.integer({ min: 1 << 20, max: 16 << 20 });
const everyday = fc.oneof({ weight: 6, arbitrary: tiny }, { weight: 3, arbitrary: small }, { weight: 1, arbitrary: pages });
const withHuge = fc.oneof({ weight: 6, arbitrary: tiny }, { weight: 2, arbitrary: pages }, { weight: 2, arbitrary: huge });

const ops = (size: fc.Arbitrary<number>): fc.Arbitrary<Op> => fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("malloc" as const), size }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("calloc" as const), count: fc.integer({ min: 0, max: 16 }), size: fc.integer({ min: 0, max: 512 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("realloc" as const), pick: fc.nat(), size }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("aligned" as const), shift: fc.integer({ min: 0, max: 12 }), size }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("free" as const), pick: fc.nat() }) },
);

interface Live { ptr: number; size: number; seed: number }

/** Applies one operation to the heap and the model; throws on any disagreement. */
function apply(heap: Heap, live: Live[], o: Op, step: number): void {
  switch (o.op) {
    case "malloc": case "calloc": case "aligned": {
      const n = o.op === "calloc" ? o.count * o.size : o.size;
      const p = o.op === "malloc" ? heap.malloc(n)
        : o.op === "calloc" ? heap.calloc(o.count, o.size) : heap.alignedAlloc(2 ** o.shift, n);
      if (p === 0) throw new Error(`${o.op} returned 0`);
      if (o.op === "aligned" && p % 2 ** o.shift !== 0) throw new Error(`misaligned ${p}`);
      if (o.op === "calloc" && !new Uint8Array(heap.memory.buffer, p, Math.min(n, 65536)).every((x) => x === 0)) {
        throw new Error("calloc memory not zero");
      }
      fill(heap, p, n, step);
      live.push({ ptr: p, size: n, seed: step });
      break;
    }
    case "realloc": {
      if (live.length === 0) return;
      const b = live[o.pick % live.length];
      const q = heap.realloc(b.ptr, o.size);
      if (q === 0) throw new Error("realloc returned 0");
      const kept = Math.min(b.size, o.size);
      if (!holds(heap, q, b.size, b.seed, kept)) throw new Error("realloc lost data");
      fill(heap, q, o.size, step);
      Object.assign(b, { ptr: q, size: o.size, seed: step });
      break;
    }
    case "free": {
      if (live.length === 0) return;
      const [b] = live.splice(o.pick % live.length, 1);
      heap.free(b.ptr);
      break;
    }
  }
}

/** The model's view of the heap: contents intact, usable sizes large enough, no overlaps. */
function verify(heap: Heap, live: Live[]): void {
  const v = heap.check();
  if (v) throw new Error(v.message);
  const sorted = [...live].sort((x, y) => x.ptr - y.ptr);
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i];
    if (!holds(heap, b.ptr, b.size, b.seed)) throw new Error(`block at ${b.ptr} lost its contents`);
    if (heap.usableSize(b.ptr) < b.size) throw new Error(`usableSize below the request at ${b.ptr}`);
    const next = sorted[i + 1];
    if (next && b.ptr + heap.usableSize(b.ptr) > next.ptr - HEADER) throw new Error(`blocks overlap at ${b.ptr}`);
  }
  const s = heap.stats();
  if (s.usedBlocks - s.quarantinedBlocks !== live.length) throw new Error(`usedBlocks ${s.usedBlocks}, model ${live.length}`);
}

const BUILDS = CONFIGS.flatMap((cfg) => [{ ...cfg, debug: false }, { ...cfg, debug: true }]);

/** The property: run the sequence, checking the model after every step and at the end. */
async function run(cfg: (typeof BUILDS)[number], sequence: Op[]): Promise<void> {
  const heap = await createHeap(cfg);
  const live: Live[] = [];
  sequence.forEach((o, step) => {
    apply(heap, live, o, step + 1);
    verify(heap, live);
  });
  for (const b of live.splice(0)) heap.free(b.ptr);
  verify(heap, live);
  // Everything but the start table's chunks (and the debug heap's quarantine) is free, and
  // (immediate coalescing, no chunks, no quarantine) in one block.
  const s = heap.stats();
  const oneBlock = cfg.coalesce === "deferred" || s.guardBytes > 0 || cfg.debug || s.freeBlocks <= 1;
  if (s.usedBytes !== s.quarantinedBytes || s.freeBytes !== s.extent - 12 - s.guardBytes - s.usedBytes || !oneBlock) {
    throw new Error(`after freeing everything: ${JSON.stringify(s)}`);
  }
}

describe("random sequences", () => {
  it.each(BUILDS)("$policy/$coalesce, debug $debug: tiny to page-sized blocks", async (cfg) => {
    await fc.assert(
      fc.asyncProperty(fc.array(ops(everyday), { minLength: 1, maxLength: 120, size: "max" }), (seq) => run(cfg, seq)),
      { numRuns: 100 },
    );
  });

  it.each(BUILDS)("$policy/$coalesce, debug $debug: with huge blocks (1-16 MiB)", async (cfg) => {
    await fc.assert(
      fc.asyncProperty(fc.array(ops(withHuge), { minLength: 1, maxLength: 30, size: "max" }), (seq) => run(cfg, seq)),
      { numRuns: 8 },
    );
  });
});
