// A long fuzz of the built package: random workloads on fresh heaps of every configuration, with
// a fixed pool and an arena beside the heap's own blocks, check() every K operations, and every
// block's, slot's and arena allocation's stamps verified before it is freed, moved or reset.
//
//   npm run fuzz -- --ops 10000000 --seed 42 [--check-every 5000] [--check-round N]
// A failed malloc, calloc, alignedAlloc or realloc of 256 KiB or more must leave the heap as it was.
//
// The same seed replays the same run. On a failure it prints the seed, the round and the
// operation, and exits 1. Not part of CI: a run of ten million operations takes minutes.

import { SingleBar, Presets } from "cli-progress";
import { parseArgs } from "node:util";
import { createHeap } from "../dist/index.js";
import { seededRandom } from "../dist/tools/index.js";

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "1000000" },
    seed: { type: "string" },
    "check-every": { type: "string", default: "5000" },
    "check-round": { type: "string", default: "-1" },
  },
});
const total = Number(values.ops);
const checkEvery = Number(values["check-every"]);
/** A round (from a failure's message) in which check() runs after every operation, to find the first one that broke the heap. */
const checkRound = Number(values["check-round"]);
const seed = values.seed === undefined ? (Date.now() % 2 ** 31) : Number(values.seed);
for (const [name, v] of [["--ops", total], ["--check-every", checkEvery], ["--seed", seed]]) {
  if (!Number.isSafeInteger(v) || v < 0 || (name !== "--seed" && v === 0)) {
    console.error(`fuzz: ${name} must be a positive integer`);
    process.exit(2);
  }
}

const rand = seededRandom(seed);
const int = (n) => Math.floor(rand() * n);

const CONFIGS = ["segregated", "first-fit", "next-fit", "best-fit"].flatMap((policy) =>
  ["immediate", "deferred"].flatMap((coalesce) => [false, true].map((debug) => ({ policy, coalesce, debug }))));
/** Workload shapes: the weights of malloc, free, realloc, calloc, alignedAlloc, and a size. */
const SHAPES = {
  "small objects": { w: [5, 4, 1, 1, 0], size: () => int(64) },
  "mixed sizes": { w: [4, 4, 2, 1, 1], size: () => (rand() < 0.9 ? int(1024) : int(64 * 1024)) },
  "growing vectors": { w: [2, 2, 6, 0, 0], size: () => int(16 * 1024) },
  "big blocks": { w: [3, 3, 2, 1, 1], size: () => int(4 * 1024 * 1024) },
};

class Failure extends Error {}

/** Requests from this size on are checked, when they fail, to have left the heap as it was. */
const LARGE = 256 * 1024;

/** One round: a fresh heap, `ops` operations of one shape. */
async function round(index, ops) {
  const cfg = CONFIGS[int(CONFIGS.length)];
  const shapeName = Object.keys(SHAPES)[int(4)];
  const shape = SHAPES[shapeName];
  // One round in four puts the heap in a memory of its own making's caller (createHeap({ memory,
  // heapBase })), whose bytes below heapBase, and the pages that "someone else" grows now and
  // then during the round, must come out as they were.
  const foreign = int(4) === 0;
  const memory = foreign ? new WebAssembly.Memory({ initial: 1 + int(4), maximum: 4096 }) : undefined;
  const heapBase = 1024 + 8 * int(2000);
  const theirs = [];                        // [from, to, byte]: memory that is not the heap's
  if (memory) {
    new Uint8Array(memory.buffer).fill(0xA5);
    theirs.push([0, heapBase, 0xA5]);
  }
  const cache = int(4) !== 0;               // one round in four without the cache of small freed blocks
  const heap = await createHeap(foreign ? { ...cfg, cache, maximumPages: 4096, memory, heapBase } : { ...cfg, cache, maximumPages: 4096 });
  const cached = cache && !cfg.debug && cfg.policy === "segregated" && cfg.coalesce === "immediate";
  /**
   * Someone else grows the memory by 1–3 pages and fills them: at most 6 times a round, since a
   * heap steps over at most 8 such runs of pages and then stops growing.
   */
  const othersGrow = () => {
    const pages = 1 + int(3);
    if (theirs.length > 6 || memory.buffer.byteLength / 65536 + pages > 4000) return;
    const at = memory.grow(pages) * 65536;
    const byte = 1 + int(255);
    new Uint8Array(memory.buffer, at, pages * 65536).fill(byte);
    theirs.push([at, at + pages * 65536, byte]);
  };
  const othersIntact = () => {
    for (const [from, to, byte] of theirs) {
      const bytes = new Uint8Array(memory.buffer, from, to - from);
      for (let a = 0; a < bytes.length; a += 61) if (bytes[a] !== byte) return `byte ${from + a}, outside the heap, was written`;
      if (bytes[bytes.length - 1] !== byte) return `byte ${to - 1}, outside the heap, was written`;
    }
    return null;
  };
  const live = [];                          // [ptr, size, stamp]
  // A fixed pool and an arena on the same heap, used by one operation in eight.
  const objectSize = 1 + int(300);
  const pool = heap.fixedPool(objectSize);
  const slots = [];                         // [ptr, stamp]
  const arena = heap.arena();
  const bumps = [];                         // [ptr, size, stamp]
  let dv = new DataView(heap.memory.buffer);
  const view = () => (dv.buffer === heap.memory.buffer ? dv : (dv = new DataView(heap.memory.buffer)));
  const stamp = (p, n, s) => {
    const d = view();
    if (n >= 8) { d.setUint32(p, s, true); d.setUint32(p + n - 4, s, true); } else if (n > 0) d.setUint8(p, s & 255);
  };
  const holds = (p, n, s) => {
    const d = view();
    return n >= 8 ? d.getUint32(p, true) === s && d.getUint32(p + n - 4, true) === s : n === 0 || d.getUint8(p) === (s & 255);
  };
  /**
   * What a failed call must leave as it was (taken only around large requests, which may fail).
   * Under deferred coalescing a failed search runs the merge pass first, which changes the count
   * and sizes of free blocks but not the free bytes; the debug heap empties its quarantine before
   * it fails, which frees blocks that were no longer the user's. In someone else's memory, a
   * request that must grow the heap first steps over the pages others grew (a gap), which
   * stays: the extent and foreignBytes are left out there. With the cache of small freed blocks,
   * a failed request empties it first, merging its blocks: like the merge pass, that changes the
   * count and sizes of free blocks, not the free bytes.
   */
  const snapshot = () => {
    const st = heap.stats();
    const mine = { extent: foreign ? 0 : st.extent, guardBytes: st.guardBytes, peakUsedBytes: st.peakUsedBytes,
      userBytes: st.usedBytes - st.quarantinedBytes, userBlocks: st.usedBlocks - st.quarantinedBlocks };
    if (cfg.debug) return JSON.stringify(mine);
    if (cfg.coalesce === "deferred" || foreign || cached) return JSON.stringify({ ...mine, freeBytes: foreign ? 0 : st.freeBytes });
    return JSON.stringify({ ...mine, freeBytes: st.freeBytes, freeBlocks: st.freeBlocks, largestFree: st.largestFree });
  };
  const where = () => `round ${index} (${cfg.policy}, ${cfg.coalesce}${cfg.debug ? ", debug" : ""}${cache ? "" : ", no cache"}${foreign ? `, in someone else's memory at ${heapBase}` : ""}, ${shapeName})`;
  const sum = shape.w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < ops; i++) {
    try {
      step(i);
    } catch (err) {
      if (err instanceof Failure) throw err;
      throw new Failure(`${where()}, op ${i}: ${err instanceof Error ? err.message : err}`);
    }
  }
  function step(i) {
    if (foreign && int(3000) === 0) othersGrow();
    if (int(8) === 0) return poolStep(i);
    let r = int(sum);
    let op = 0;
    while (r >= shape.w[op]) r -= shape.w[op++];
    const s = (index * 1_000_003 + i) >>> 0;
    if ((op === 1 || op === 2) && live.length === 0) op = 0;
    if (op === 0 || op === 3 || op === 4) {
      const n = shape.size();
      const before = n >= LARGE ? snapshot() : "";
      const p = op === 0 ? heap.malloc(n) : op === 3 ? heap.calloc(1, n) : heap.alignedAlloc(2 ** int(13), n);
      if (p === 0 && before !== snapshot()) throw new Failure(`${where()}, op ${i}: a failed allocation of ${n} bytes changed the heap: ${before} -> ${snapshot()}`);
      if (p === 0) { if (live.length) { const [q, m, t] = live.pop(); if (!holds(q, m, t)) throw new Failure(`${where()}, op ${i}: block ${q} lost its stamp`); heap.free(q); } return; }
      stamp(p, n, s);
      live.push([p, n, s]);
    } else {
      const k = int(live.length);
      const [p, n, t] = live[k];
      if (!holds(p, n, t)) throw new Failure(`${where()}, op ${i}: block ${p} (${n} bytes) lost its stamp`);
      if (op === 1) {
        heap.free(p);
        live[k] = live[live.length - 1];
        live.pop();
      } else {
        const m = shape.size();
        const before = m >= LARGE ? snapshot() : "";
        const q = heap.realloc(p, m);
        if (q === 0 && before !== snapshot()) throw new Failure(`${where()}, op ${i}: a failed realloc to ${m} bytes changed the heap: ${before} -> ${snapshot()}`);
        if (q === 0) return;
        const kept = Math.min(n, m);
        if (kept >= 8 && new DataView(heap.memory.buffer).getUint32(q, true) !== t) {
          throw new Failure(`${where()}, op ${i}: realloc lost the data of block ${p}`);
        }
        stamp(q, m, s);
        live[k] = [q, m, s];
      }
    }
    if ((i + 1) % checkEvery === 0 || index === checkRound) {
      const v = heap.check();
      if (v) throw new Failure(`${where()}, op ${i}: ${v.message}`);
      const spoiled = memory ? othersIntact() : null;
      if (spoiled) throw new Failure(`${where()}, op ${i}: ${spoiled}`);
    }
  }
  /** One operation on the pool or the arena: alloc, free, arena alloc or arena reset. */
  function poolStep(i) {
    const s = (index * 1_000_003 + i) >>> 0;
    const op = int(16);
    if (op < 6) {
      const p = pool.alloc();
      if (p === 0) return;
      stamp(p, objectSize, s);
      slots.push([p, s]);
    } else if (op < 11) {
      if (slots.length === 0) return;
      const k = int(slots.length);
      const [p, t] = slots[k];
      if (!holds(p, objectSize, t)) throw new Failure(`${where()}, op ${i}: pool slot ${p} lost its stamp`);
      pool.free(p);
      slots[k] = slots[slots.length - 1];
      slots.pop();
    } else if (op < 15) {
      const n = int(4) === 0 ? int(64 * 1024) : 1 + int(256);
      const before = n >= LARGE ? snapshot() : "";
      const p = arena.alloc(n);
      if (p === 0) {
        if (before !== snapshot()) throw new Failure(`${where()}, op ${i}: a failed arena allocation of ${n} bytes changed the heap`);
        return;
      }
      stamp(p, n, s);
      bumps.push([p, n, s]);
    } else {
      for (const [p, n, t] of bumps) if (!holds(p, n, t)) throw new Failure(`${where()}, op ${i}: arena memory at ${p} lost its stamp`);
      bumps.length = 0;
      arena.reset();
    }
  }

  for (const [p, t] of slots) if (!holds(p, objectSize, t)) throw new Failure(`${where()}: pool slot ${p} lost its stamp at the end`);
  for (const [p, n, t] of bumps) if (!holds(p, n, t)) throw new Failure(`${where()}: arena memory at ${p} lost its stamp at the end`);
  pool.dispose();
  arena.dispose();
  for (const [p, n, t] of live) {
    if (!holds(p, n, t)) throw new Failure(`${where()}: block ${p} lost its stamp at the end`);
    heap.free(p);
  }
  const v = heap.check();
  if (v) throw new Failure(`${where()}, after freeing everything: ${v.message}`);
  const spoiled = memory ? othersIntact() : null;
  if (spoiled) throw new Failure(`${where()}, at the end: ${spoiled}`);
  const st = heap.stats();
  if (st.usedBytes !== st.quarantinedBytes) throw new Failure(`${where()}: ${st.usedBytes} bytes still in use after freeing everything`);
}

const bar = new SingleBar({ format: "fuzz [{bar}] {percentage}% | {value}/{total} ops | round {round}", hideCursor: true }, Presets.shades_classic);
const started = Date.now();
console.log(`fuzz: seed ${seed}, ${total} operations, check() every ${checkEvery}`);
bar.start(total, 0, { round: 0 });
let done = 0;
let index = 0;
try {
  while (done < total) {
    const ops = Math.min(total - done, 20_000 + int(80_000));
    await round(index, ops);
    done += ops;
    index++;
    bar.update(done, { round: index });
  }
  bar.stop();
  console.log(`fuzz: ${done} operations in ${index} rounds, no failure (${((Date.now() - started) / 1000).toFixed(0)} s). Seed ${seed}.`);
} catch (err) {
  bar.stop();
  console.error(`fuzz: FAILED after ${done} operations: ${err instanceof Error ? err.message : err}`);
  console.error(`fuzz: replay with: npm run fuzz -- --ops ${total} --seed ${seed} --check-every ${checkEvery}`);
  process.exit(1);
}
