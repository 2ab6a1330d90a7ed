// wasmalloc: malloc, free, calloc and realloc for WebAssembly linear memory.
//
// This file is the package's AssemblyScript entry ("wasmalloc/assembly") and the module of every
// build in asconfig.json: release; the debug heap (--use WASMALLOC_DEBUG=1, debug.ts), where every
// pointer is 48 bytes into its core payload; the shared heap (--enable threads, shared.ts); and
// the heap in someone else's memory (--use WASMALLOC_FOREIGN=1). The minimal build has its own
// entry, minimal.ts. It needs no init call: the heap sets itself up on first use, at
// __heap_base, with segregated fits and immediate coalescing, unless heap_configure comes first.
// It imports nothing but env.abort, and it never allocates through AssemblyScript's runtime.
//
// Sizes and pointers are usize (u32). Every function documents what it does with 0, huge and
// foreign values; there are no negative or NaN values at this level.

import { allocateAligned, allocateInline, callocate } from "./alloc";
import { deallocateInline, flushCache as flushHeapCache } from "./free";
import { reallocate, usableSize_ } from "./realloc";
import { HeapStatus, configure, ensureHeap, heapStatus, placeHeap } from "./setup";
import { blockKind, checkHeap, walkNext } from "./check";
import { setCacheCap } from "./cache";
import { fixedPoolAlloc, fixedPoolCreate, fixedPoolDestroy, fixedPoolFree, fixedPoolStat } from "./pool/fixed";
import { arenaAlloc, arenaCreate, arenaRelease, arenaReset, arenaStat } from "./pool/arena";
import { DEBUG } from "./common";
import {
  checkDebug, debugAligned, debugAllocate, debugCalloc, debugFree, debugRealloc, debugUsable, nextLive,
} from "./debug";
import { readStat } from "./stats";
import { ST } from "./state";
import {
  flushCache, keepError, lockHeap, setCanWait, setCaching, sharedErrorAddress, sharedFree, sharedLastError,
  sharedMalloc, sharedPointerOp, unlockHeap,
} from "./shared";

// In the shared build (--enable threads) every entry point takes the heap's lock (shared.ts);
// these compile to nothing in the other builds.
// @ts-ignore: decorator
@inline function LOCK(): void { if (ASC_FEATURE_THREADS) lockHeap(); }
// @ts-ignore: decorator
@inline function UNLOCK(): void { if (ASC_FEATURE_THREADS) unlockHeap(); }
/** Shared build: unlock, keeping a failure (a 0 result) as this instance's error. */
// @ts-ignore: decorator
@inline function UNLOCKWITH(result: usize): usize {
  if (ASC_FEATURE_THREADS) {
    if (result == 0) keepError();
    unlockHeap();
  }
  return result;
}
/** Shared build: unlock, keeping a failure (an ErrorCode other than OK) as this instance's error. */
// @ts-ignore: decorator
@inline function UNLOCKCODE(code: u32): i32 {
  if (ASC_FEATURE_THREADS) {
    if (code != 0) keepError();
    unlockHeap();
  }
  return <i32>code;
}
/** The pools' and arenas' entry: the lock (shared build), then the heap set up on first use. */
// @ts-ignore: decorator
@inline function ENTER(): void {
  LOCK();
  ensureHeap();
}

/**
 * At least `size` bytes, 8-aligned, uninitialised. malloc(0) returns a unique minimum block
 * (12 usable bytes). Returns 0 when the heap cannot grow enough, including for sizes above
 * 2^32 - 65537, which no wasm32 heap can hold.
 */
export function malloc(size: usize): usize {
  if (ASC_FEATURE_THREADS) return sharedMalloc(size);
  return DEBUG ? debugAllocate(size, false) : allocateInline(size);
}

/**
 * Frees the block whose payload is `ptr`. free(0) does nothing. Returns 0 on success; for a
 * pointer that is not a live payload it changes nothing and returns ErrorCode.DOUBLE_FREE (1,
 * the block is already free) or ErrorCode.INVALID_POINTER (2, anything else).
 */
export function free(ptr: usize): i32 {
  if (ASC_FEATURE_THREADS) return <i32>sharedFree(ptr);
  return <i32>(DEBUG ? debugFree(ptr) : deallocateInline(ptr));
}

/**
 * `count * size` zeroed bytes. Returns 0 when the product overflows 32 bits or the heap cannot
 * grow. calloc(0, n) and calloc(n, 0) behave like malloc(0).
 */
export function calloc(count: usize, size: usize): usize {
  if (ASC_FEATURE_THREADS) {
    LOCK();
    return UNLOCKWITH(callocate(count, size));
  }
  return DEBUG ? debugCalloc(count, size) : callocate(count, size);
}

/**
 * Resizes the block at `ptr` to at least `size` bytes and returns its payload, which moves only
 * when it cannot grow in place. realloc(0, size) is malloc(size); realloc(ptr, 0) shrinks the
 * block to the minimum and returns ptr. Returns 0, leaving the old block as it was, when the heap
 * cannot grow or `ptr` is not a live payload (heap_last_error tells which).
 */
export function realloc(ptr: usize, size: usize): usize {
  if (ASC_FEATURE_THREADS) return sharedPointerOp(0, ptr, size);
  return DEBUG ? debugRealloc(ptr, size) : reallocate(ptr, size);
}

/**
 * At least `size` bytes at an address that is a multiple of `alignment`, a power of two.
 * Alignments up to 8 cost nothing extra. Returns 0 for an alignment that is 0 or not a power
 * of two (ErrorCode.BAD_ALIGNMENT), or when the heap cannot grow.
 */
export function alignedAlloc(alignment: usize, size: usize): usize {
  if (ASC_FEATURE_THREADS) {
    LOCK();
    return UNLOCKWITH(allocateAligned(alignment, size));
  }
  return DEBUG ? debugAligned(alignment, size) : allocateAligned(alignment, size);
}

/** The bytes usable at `ptr` (at least what was asked for). 0 for 0 and for a bad pointer. */
export function usableSize(ptr: usize): usize {
  if (ASC_FEATURE_THREADS) return sharedPointerOp(1, ptr, 0);
  return DEBUG ? debugUsable(ptr) : usableSize_(ptr);
}

/**
 * Sets the heap up with a policy (0 first fit, 1 next fit, 2 best fit, 3 segregated), a coalescing mode
 * (0 immediate, 1 deferred), memory grown to `initialPages` and never past `maximumPages`
 * (1..65536). Must come before any other call. Returns 0, ErrorCode.BAD_CONFIG or
 * ErrorCode.OUT_OF_MEMORY.
 */
export function heap_configure(policy: u32, coalesce: u32, initialPages: u32, maximumPages: u32): i32 {
  LOCK();
  const r = configure(policy, coalesce, initialPages, maximumPages);
  UNLOCK();
  return <i32>r;
}

/**
 * The foreign build (memory that someone else owns, imported): puts the heap's state at `base`
 * (rounded up to 8), which must come before any other call, and heap_configure after it. With
 * `fresh` non-zero, memory from `base` to its end is cleared first. Returns 0, or
 * ErrorCode.BAD_CONFIG in the other builds, when called twice, for base 0, or for a base too
 * near 4 GiB. Any other entry point traps until it has been called.
 */
export function heap_place(base: usize, fresh: u32): i32 {
  return <i32>placeHeap(base, fresh != 0);
}

// The functions below only read. None of them sets a heap up: before the first allocation (or
// heap_configure) they report an empty, sound heap.

/**
 * Walks the heap: 0 when it is sound, else the number of the first invariant that fails. An
 * overwritten state is reported as invariant 1 (the allocating entry points abort on it).
 */
export function heap_check(): i32 {
  if (heapStatus() == HeapStatus.FRESH) return 0;
  LOCK();
  let layout = checkHeap();
  if (DEBUG) {
    if (layout == 0) layout = checkDebug();
  }
  UNLOCK();
  return <i32>layout;
}

/** The address where the last failing heap_check stopped. */
export function heap_check_address(): usize {
  return heapStatus() == HeapStatus.FRESH ? 0 : <usize>ST().checkAddress;
}

/** The ErrorCode of the last call that failed (not cleared by calls that succeed). */
export function heap_last_error(): i32 {
  if (ASC_FEATURE_THREADS) return <i32>sharedLastError();
  return heapStatus() == HeapStatus.FRESH ? 0 : <i32>ST().lastError;
}

/** The pointer or alignment that went with heap_last_error, or 0. */
export function heap_error_address(): usize {
  if (ASC_FEATURE_THREADS) return sharedErrorAddress();
  return heapStatus() == HeapStatus.FRESH ? 0 : <usize>ST().errorAddress;
}

/**
 * Details of the last error or check finding: 0 the address (a user pointer), 1 the block's
 * requested size and 2 the byte offset from the pointer (negative before it) of the first bad
 * byte; the last two only from the debug heap.
 */
export function heap_error_info(i: u32): i32 {
  if (heapStatus() == HeapStatus.FRESH) return 0;
  const st = ST();
  if (ASC_FEATURE_THREADS) return <i32>(i == 0 ? sharedErrorAddress() : 0);
  return <i32>(i == 0 ? st.errorAddress : i == 1 ? st.detailSize : i == 2 ? st.detailOffset : 0);
}

/**
 * Walks every block in address order: the first block for `b` = 0, else the block after `b`
 * (which must be a block); 0 after the last one. For maps and tools, not for the hot path.
 */
export function heap_walk(b: usize): usize {
  if (heapStatus() != HeapStatus.READY) return 0;
  LOCK();
  const next = walkNext(b);
  UNLOCK();
  return next;
}

/** What the block at `b` is: 0 free, 1 used, 2 internal (a start-table chunk), 3 quarantined (debug). */
export function heap_block_kind(b: usize): i32 {
  return <i32>blockKind(b);
}

/**
 * Debug heap: the next live block after block `b` (0 to start), as a block address; 0 at the end
 * or in the release build. Its user pointer is b + 28; its requested size and allocation
 * sequence number are the u32 words at b + 4 and b + 8.
 */
export function heap_debug_next(b: usize): usize {
  return DEBUG && heapStatus() == HeapStatus.READY ? nextLive(b) : 0;
}

/** Statistic number `i` (see stats.ts), or NaN for an unknown index; 0 before the heap is set up. */
export function heap_stat(i: u32): f64 {
  if (heapStatus() == HeapStatus.FRESH) return 0;
  LOCK();
  const v = readStat(i);
  UNLOCK();
  return v;
}

/** Shared build: whether this instance's thread may block waiting for the lock (not a browser's main thread). */
export function heap_set_can_wait(on: i32): void {
  if (ASC_FEATURE_THREADS) setCanWait(on != 0);
}

/**
 * Turns the cache of small freed blocks on (the default) or off: in the shared build, this
 * instance's; in the release and foreign builds, the heap's (cache.ts). Off empties it.
 */
export function heap_set_cache(on: i32): void {
  if (ASC_FEATURE_THREADS) setCaching(on != 0);
  else {
    ensureHeap();
    setCacheCap(on != 0);
    if (on == 0) flushHeapCache();
  }
}

/**
 * Gives cached blocks back to the heap: in the shared build, this instance's (call it before a
 * worker exits); in the release and foreign builds, the heap's cache is emptied.
 */
export function heap_detach(): void {
  if (ASC_FEATURE_THREADS) {
    lockHeap();
    flushCache();
    unlockHeap();
  } else if (heapStatus() != HeapStatus.FRESH) flushHeapCache();
}

// ─── Pools (pool/fixed.ts, pool/arena.ts) ───────────────────────────────────────────────────────
// A pool's handle is the payload of its descriptor block. Every function checks it (a live block
// carrying the pool's magic) and refuses anything else with ErrorCode.INVALID_POINTER.

/** A pool of objects of `size` bytes (at least 1): its handle, or 0 (BAD_CONFIG, OUT_OF_MEMORY). */
export function pool_create(size: usize): usize {
  ENTER();
  return UNLOCKWITH(fixedPoolCreate(size));
}
/** An object from pool `h`, or 0. */
export function pool_alloc(h: usize): usize {
  ENTER();
  return UNLOCKWITH(fixedPoolAlloc(h));
}
/** Returns object `p` to pool `h`: 0, or DOUBLE_FREE or INVALID_POINTER (and nothing changes). */
export function pool_free(h: usize, p: usize): i32 {
  ENTER();
  return UNLOCKCODE(fixedPoolFree(h, p));
}
/** Pool statistic `i` (see pool/fixed.ts), NaN for a bad handle or index. */
export function pool_stat(h: usize, i: u32): f64 {
  ENTER();
  const r = fixedPoolStat(h, i);
  UNLOCK();
  return r;
}
/** Gives pool `h`'s chunks back to the heap; its objects die with it. 0 or INVALID_POINTER. */
export function pool_destroy(h: usize): i32 {
  ENTER();
  return UNLOCKCODE(fixedPoolDestroy(h));
}

/** A new arena: its handle, or 0. */
export function arena_create(): usize {
  ENTER();
  return UNLOCKWITH(arenaCreate());
}
/** `n` bytes from arena `h`, 8-aligned, or 0. */
export function arena_alloc(h: usize, n: usize): usize {
  ENTER();
  return UNLOCKWITH(arenaAlloc(h, n));
}
/** Empties arena `h`, keeping its newest chunk: 0 or INVALID_POINTER. */
export function arena_reset(h: usize): i32 {
  ENTER();
  return UNLOCKCODE(arenaReset(h));
}
/** Gives arena `h` back to the heap: 0 or INVALID_POINTER. */
export function arena_release(h: usize): i32 {
  ENTER();
  return UNLOCKCODE(arenaRelease(h));
}
/** Arena statistic `i` (see pool/arena.ts), NaN for a bad handle or index. */
export function arena_stat(h: usize, i: u32): f64 {
  ENTER();
  const r = arenaStat(h, i);
  UNLOCK();
  return r;
}
