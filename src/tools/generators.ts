// Trace generators for the patterns allocators meet, seeded so that a workload can be replayed.
// Each returns a Trace (see trace.ts) whose every block is freed by the end ("balanced").

import { OP_ALLOC, OP_FREE, OP_REALLOC, type Trace } from "./trace.js";

/** A small seeded generator (mulberry32): the same seed gives the same numbers, in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6D2B79F5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Collects operations into a Trace. */
class Builder {
  kinds: number[] = [];
  ids: number[] = [];
  sizes: number[] = [];
  next = 0;
  live = new Set<number>();
  alloc(size: number): number {
    const id = this.next++;
    this.push(OP_ALLOC, id, size);
    this.live.add(id);
    return id;
  }
  realloc(id: number, size: number): void { this.push(OP_REALLOC, id, size); }
  free(id: number): void {
    this.push(OP_FREE, id, 0);
    this.live.delete(id);
  }
  push(kind: number, id: number, size: number): void {
    this.kinds.push(kind);
    this.ids.push(id);
    this.sizes.push(size);
  }
  /** Frees whatever is still live and returns the trace. */
  done(): Trace {
    for (const id of [...this.live]) this.free(id);
    return {
      suggestedHeapSize: 0, numIds: this.next, weight: 1,
      kinds: Uint8Array.from(this.kinds), ids: Uint32Array.from(this.ids), sizes: Uint32Array.from(this.sizes),
    };
  }
}

/** A compiler's many small objects: bursts of 8–64-byte allocations, most freed young, in LIFO-ish order. */
export function smallObjects(ops = 4000, seed = 1): Trace {
  const rand = seededRandom(seed);
  const b = new Builder();
  const stack: number[] = [];
  while (b.kinds.length < ops) {
    if (stack.length === 0 || rand() < 0.55) stack.push(b.alloc(8 + Math.floor(rand() * 7) * 8));
    else b.free(stack.splice(stack.length - 1 - Math.floor(rand() * Math.min(4, stack.length)), 1)[0]);
  }
  return b.done();
}

/** Small and large blocks alternating, then every large one freed and medium ones asked for. */
export function alternating(pairs = 1000, small = 64, large = 448, medium = 512): Trace {
  const b = new Builder();
  const larges: number[] = [];
  for (let i = 0; i < pairs; i++) {
    b.alloc(small);
    larges.push(b.alloc(large));
  }
  for (const id of larges) b.free(id);
  for (let i = 0; i < pairs; i++) b.alloc(medium);
  return b.done();
}

/** Coalescing: two neighbours freed, then one request for both, over and over. */
export function coalescing(rounds = 1000, size = 4095): Trace {
  const b = new Builder();
  let keep = b.alloc(size);
  for (let i = 0; i < rounds; i++) {
    const next = b.alloc(size);
    b.free(keep);
    b.free(next);
    keep = b.alloc(2 * size);
  }
  return b.done();
}

/** Random sizes (1 byte to 4 KiB, skewed small) with random lifetimes. */
export function randomSizes(ops = 4000, seed = 1): Trace {
  const rand = seededRandom(seed);
  const b = new Builder();
  const live: number[] = [];
  while (b.kinds.length < ops) {
    if (live.length === 0 || rand() < 0.52) live.push(b.alloc(1 + Math.floor(rand() ** 3 * 4096)));
    else b.free(live.splice(Math.floor(rand() * live.length), 1)[0]);
  }
  return b.done();
}

/** A vector that grows by realloc (×1.5) while small blocks come and go around it. */
export function vectorGrowth(steps = 24, seed = 1): Trace {
  const rand = seededRandom(seed);
  const b = new Builder();
  let size = 64;
  const vec = b.alloc(size);
  const others: number[] = [];
  for (let i = 0; i < steps; i++) {
    size = Math.ceil(size * 1.5);
    b.realloc(vec, size);
    others.push(b.alloc(16 + Math.floor(rand() * 112)));
    if (others.length > 4) b.free(others.shift()!);
  }
  return b.done();
}

/** Producer/consumer: messages of varied sizes queued and consumed in FIFO order. */
export function producerConsumer(messages = 2000, seed = 1): Trace {
  const rand = seededRandom(seed);
  const b = new Builder();
  const queue: number[] = [];
  for (let i = 0; i < messages; i++) {
    queue.push(b.alloc(32 + Math.floor(rand() * 992)));
    while (queue.length > 0 && rand() < 0.45) b.free(queue.shift()!);
  }
  return b.done();
}

/** The generators by name, with their defaults: the workloads of the demo and of `npm start`. */
export const WORKLOADS: Readonly<Record<string, () => Trace>> = {
  "small objects": () => smallObjects(),
  "alternating small/large": () => alternating(),
  coalescing: () => coalescing(),
  "random sizes": () => randomSizes(),
  "vector growth": () => vectorGrowth(),
  "producer/consumer": () => producerConsumer(),
};
