// Replays a trace against any Allocator, optionally checking every block's contents.

import type { Allocator } from "../api.js";
import { OP_ALLOC, OP_FREE, type Trace } from "./trace.js";

/** What a replay measured. */
export interface ReplayResult {
  /** The largest total of live requested bytes at any point. */
  peakPayload: number;
  /** The highest payload end any block reached, less the lowest payload start. */
  payloadSpan: number;
  /** The lowest payload address handed out (0 when none was). */
  lowestPayload: number;
  /** Operations replayed. */
  ops: number;
}

/** Options for {@link replay}. */
export interface ReplayOptions {
  /**
   * Stamp each block with a byte derived from its id and verify it: every byte before a free;
   * before and after a realloc, the first and last 512 bytes of what is kept and every 61st byte
   * between (a block that grows by realloc many times would otherwise be re-read in full each
   * time). Throws on the first mismatch.
   * @defaultValue false
   */
  verify?: boolean;
  /** Called after every operation with its index and the live requested bytes; throwing stops the replay. */
  afterEach?: (op: number, livePayload: number) => void;
  /** Replay only the first `ops` operations. @defaultValue all of them */
  ops?: number;
}

/** The stamp byte of block `id`: never 0, so that a zeroed block fails verification. */
function stamp(id: number): number {
  return (Math.imul(id + 1, 0x9E3779B1) >>> 24) | 1;
}

/** Replays `trace`. Throws when the allocator runs out of memory or (with verify) corrupts data. */
export function replay(heap: Pick<Allocator, "malloc" | "free" | "realloc"> & { memory?: { readonly buffer: ArrayBufferLike } }, trace: Trace,
  options: ReplayOptions = {}): ReplayResult {
  const { kinds, ids, sizes } = trace;
  const ptrs = new Float64Array(trace.numIds);
  const lens = new Float64Array(trace.numIds);
  const verify = options.verify === true;
  const afterEach = options.afterEach;
  const mem = heap.memory;
  if (verify && !mem) throw new TypeError("replay: verify needs an allocator with a memory");
  let bytes = verify ? new Uint8Array(mem!.buffer) : new Uint8Array(0);
  const view = (): Uint8Array => (bytes.buffer === mem!.buffer ? bytes : (bytes = new Uint8Array(mem!.buffer)));
  const expect = (id: number, p: number, n: number, what: string, full: boolean): void => {
    const b = stamp(id);
    const u8 = view();
    const edge = full || n <= 2048 ? n : 512;
    const lost = (i: number): never => {
      throw new Error(`replay: block ${id} at ${p} lost its contents at +${i - p} (${what})`);
    };
    for (let i = p; i < p + edge; i++) if (u8[i] !== b) lost(i);
    if (edge === n) return;
    for (let i = p + edge; i < p + n - edge; i += 61) if (u8[i] !== b) lost(i);
    for (let i = p + n - edge; i < p + n; i++) if (u8[i] !== b) lost(i);
  };
  let live = 0;
  let peak = 0;
  let lo = Infinity;
  let hi = 0;
  const count = Math.min(kinds.length, options.ops ?? kinds.length);
  for (let i = 0; i < count; i++) {
    const id = ids[i];
    const kind = kinds[i];
    if (kind === OP_FREE) {
      if (verify) expect(id, ptrs[id], lens[id], "before free", true);
      heap.free(ptrs[id]);
      live -= lens[id];
      lens[id] = 0;
      ptrs[id] = 0;
    } else {
      const n = sizes[i];
      let p: number;
      if (kind === OP_ALLOC) {
        p = heap.malloc(n);
      } else {
        if (verify) expect(id, ptrs[id], lens[id], "before realloc", false);
        p = heap.realloc(ptrs[id], n);
      }
      if (p === 0 && n !== 0) throw new Error(`replay: out of memory at operation ${i} (${n} bytes)`);
      if (verify) {
        const kept = kind === OP_ALLOC ? 0 : Math.min(lens[id], n);
        if (kept) expect(id, p, kept, "after realloc", false);
        view().fill(stamp(id), p + kept, p + n);
      }
      live += n - lens[id];
      lens[id] = n;
      ptrs[id] = p;
      if (live > peak) peak = live;
      if (p < lo) lo = p;
      if (p + n > hi) hi = p + n;
    }
    if (afterEach) afterEach(i, live);
  }
  return { peakPayload: peak, payloadSpan: hi > lo ? hi - lo : 0, lowestPayload: hi > lo ? lo : 0, ops: count };
}
