// wasmalloc, minimal: the allocator alone, for wasm programs that want the smallest module.
//
// Built with asc --use WASMALLOC_MINIMAL=1 (asconfig target "minimal", build/wasmalloc.min.wasm):
// segregated fits (the default policy) with immediate coalescing, the exact pointer checks of
// the start table, and the statistics. No other policies, no deferred coalescing, no checker,
// no pools, no heap walk and no heap_configure: the heap sets itself up on first use with the
// defaults, and may grow to 4 GiB. The functions behave exactly as in index.ts, whose comments
// say what each does with 0, huge and foreign values, with one exception kept out for size: a
// malloc that fails at the 4 GiB ceiling may leave the start table moved to a new chunk (the
// release build checks that the growth fits before anything moves).

import { allocate, callocate } from "./alloc";
import { deallocate } from "./free";
import { reallocate, usableSize_ } from "./realloc";
import { heapStatus, HeapStatus } from "./setup";
import { readStat } from "./stats";
import { ST } from "./state";

/** malloc: at least `size` bytes, 8-aligned; 0 when the heap cannot grow. */
export function malloc(size: usize): usize { return allocate(size); }

/** free: 0, or ErrorCode.DOUBLE_FREE (1) / INVALID_POINTER (2), changing nothing. free(0) is 0. */
export function free(ptr: usize): i32 { return <i32>deallocate(ptr); }

/** calloc: `count * size` zeroed bytes; 0 when the product overflows 32 bits or the heap cannot grow. */
export function calloc(count: usize, size: usize): usize { return callocate(count, size); }

/** realloc: resizes in place when it can, else moves; 0 (old block untouched) on failure. */
export function realloc(ptr: usize, size: usize): usize { return reallocate(ptr, size); }

/** The bytes usable at `ptr`; 0 for 0 and for a bad pointer. */
export function usableSize(ptr: usize): usize { return usableSize_(ptr); }

/**
 * The ErrorCode of the last call that failed; 0 before the heap is set up. (This module's own
 * memory always reaches the state, which is zero until then.)
 */
export function heap_last_error(): i32 {
  return <i32>ST().lastError;
}

/** Statistic number `i` (stats.ts); NaN for an unknown index; 0 before the heap is set up. */
export function heap_stat(i: u32): f64 {
  return heapStatus() == HeapStatus.FRESH ? 0 : readStat(i);
}
