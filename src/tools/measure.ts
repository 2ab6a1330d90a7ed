// Measuring an allocator on a trace: utilization, throughput and a verification pass. Used by
// `wasmalloc replay` and `wasmalloc compare` (npm start), for wasmalloc and its peers alike, each
// allocator in a worker of its own (measure-worker.ts).

import type { Allocator, Policy } from "../api.js";
import { createHeap } from "../heap.js";
import { createJsPool } from "../jspool.js";
import { replay } from "./replay.js";
import type { Trace } from "./trace.js";

/** An allocator to measure: the Allocator calls, its memory, and its extent if it reports one. */
export interface Measurable extends Pick<Allocator, "malloc" | "free" | "realloc" | "calloc"> {
  name: string;
  memory?: { readonly buffer: ArrayBufferLike };
  /** The heap's extent as the allocator reports it; undefined to use the span of payloads. */
  extent(): number | undefined;
}

/**
 * A fresh instance of one of this package's allocators, `wasmalloc:<policy>` or `js-pool`, or
 * undefined for any other name (the peers live in bench/peers.mjs, which calls this for these).
 */
export async function builtinAllocator(name: string): Promise<Measurable | undefined> {
  if (name.startsWith("wasmalloc:")) {
    const heap = await createHeap({ policy: name.slice(10) as Policy });
    return { name, malloc: heap.malloc, free: heap.free, realloc: heap.realloc, calloc: heap.calloc, memory: heap.memory, extent: () => heap.stats().extent };
  }
  if (name === "js-pool") {
    const pool = createJsPool();
    return { name, malloc: pool.malloc, free: pool.free, realloc: pool.realloc, calloc: pool.calloc, memory: pool.memory, extent: () => pool.stats().extent };
  }
  return undefined;
}

/** What one allocator did on one trace. */
export interface Measurement {
  allocator: string;
  ops: number;
  /** Peak live payload ÷ extent (the CS:APP measure; the payload span when no extent is reported). */
  utilization: number;
  /** Peak live payload ÷ the memory's size at the end. */
  memoryUtilization: number;
  /**
   * Peak live payload ÷ the span of payload addresses handed out: the one measure that can be
   * taken the same way for every allocator, so per-trace comparisons use it.
   */
  spanUtilization: number;
  /** Operations per second, best of `runs`, the replay alone timed. */
  opsPerSecond: number;
  /** The slowest of the `runs` timed passes ÷ the fastest (1 for one run): how much the runs spread. */
  spread: number;
  /** "ok", or what the verification pass found. */
  verified: string;
}

/** Replays `trace` on fresh allocators from `make`: `runs` timed passes and one verified pass. */
export async function measure(make: () => Promise<Measurable>, trace: Trace, runs = 3): Promise<Measurement> {
  let best = Infinity;
  let worst = 0;
  let name = "";
  let utilization = 0;
  let memoryUtilization = 0;
  let spanUtilization = 0;
  for (let r = 0; r < runs; r++) {
    const a = await make();
    name = a.name;
    const t0 = performance.now();
    const result = replay(a, trace);
    const ms = performance.now() - t0;
    best = Math.min(best, ms);
    worst = Math.max(worst, ms);
    if (r === 0) {
      const extent = a.extent() ?? result.payloadSpan;
      utilization = extent > 0 ? result.peakPayload / extent : 0;
      const bytes = a.memory?.buffer.byteLength ?? 0;
      memoryUtilization = bytes > 0 ? result.peakPayload / bytes : 0;
      spanUtilization = result.payloadSpan > 0 ? result.peakPayload / result.payloadSpan : 0;
    }
  }
  let verified = "ok";
  try {
    replay(await make(), trace, { verify: true });
  } catch (err) {
    verified = err instanceof Error ? err.message : String(err);
  }
  return { allocator: name, ops: trace.kinds.length, utilization, memoryUtilization, spanUtilization, opsPerSecond: trace.kinds.length / (Math.max(best, 0.001) / 1000), spread: best > 0 ? worst / best : 1, verified };
}
