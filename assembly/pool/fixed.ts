// A fixed pool (chapter §3.6): objects of one size, O(1) alloc and free, chunks taken from the
// heap as internal blocks (which the heap's free refuses) and doubling in size (the vector-like
// growth of §3.6.4).
//
//  descriptor (a heap block; its payload is the pool's handle)
//   magic · objectSize · slot · freeHead · bumpNext · bumpEnd · chunkHead · nextCapacity ·
//   live · chunks · allocs · frees
//
//  chunk (a heap block)
//   ┌──────┬──────────┬───────────────────────┬────────┬────────┬─────┐
//   │ next │ capacity │ in-use bitmap (1 bit  │ slot 0 │ slot 1 │ ... │
//   │      │          │ per slot, 8-aligned)  │        │        │     │
//   └──────┴──────────┴───────────────────────┴────────┴────────┴─────┘
//  A free slot holds the next free slot and its chunk, so alloc is O(1). free looks the chunk
//  up along the chunk list: O(number of chunks), at most about 27 since chunks double.
//  The bitmap makes misuse exact: a pointer that is not a slot of this pool, or a slot that is
//  not in use, is refused and changes nothing.

import { ErrorCode } from "../common";
import { allocateInternal } from "../alloc";
import { releaseInternal } from "../free";
import { isHandle } from "../guard";
import { fail } from "../setup";

// @ts-ignore: decorator
@inline const POOL_MAGIC: u32 = 0x4C4F4F50;   // "POOL"
// @ts-ignore: decorator
@inline const FIRST_CAPACITY: u32 = 16;
/** The slots of the first chunk: FIRST_CAPACITY, or as many as fit in this many bytes when fewer. */
// @ts-ignore: decorator
@inline const FIRST_CHUNK_BYTES: usize = 65536;
// @ts-ignore: decorator
@inline const CHUNK_HEADER: usize = 8;

@unmanaged class FixedPool {
  magic: u32;
  objectSize: u32;
  slot: u32;
  freeHead: u32;
  bumpNext: u32;
  bumpEnd: u32;
  chunkHead: u32;
  nextCapacity: u32;
  live: u32;
  chunks: u32;
  allocs: u32;
  frees: u32;
}

/**
 * The pool at handle `h`, or null when `h` is not one: it must be a live heap block (the core's
 * exact check) whose first word is the pool magic.
 */
function poolAt(h: usize): FixedPool | null {
  return isHandle(h, POOL_MAGIC) ? changetype<FixedPool>(h) : null;
}

/** The bytes before a chunk's first slot: header and bitmap. */
// @ts-ignore: decorator
@inline function slotsOffset(capacity: u32): usize {
  return CHUNK_HEADER + ((<usize>((capacity + 7) >> 3) + 7) & ~7);
}

/** Creates a pool for objects of `size` bytes (1 or more). Returns its handle, or 0. */
export function fixedPoolCreate(size: usize): usize {
  if (size == 0 || size > 0x1000_0000) return fail(ErrorCode.BAD_CONFIG, size);
  const h = allocateInternal(offsetof<FixedPool>());
  if (h == 0) return 0;
  const pool = changetype<FixedPool>(h);
  pool.magic = POOL_MAGIC;
  pool.objectSize = <u32>size;
  pool.slot = <u32>((size + 7) & ~7);
  pool.freeHead = 0;
  pool.bumpNext = 0;
  pool.bumpEnd = 0;
  pool.chunkHead = 0;
  // The first chunk holds 16 slots, fewer for objects over 4 KiB (one slot from 64 KiB up).
  const fit = <u32>(FIRST_CHUNK_BYTES / <usize>pool.slot);
  pool.nextCapacity = fit >= FIRST_CAPACITY ? FIRST_CAPACITY : fit == 0 ? 1 : fit;
  pool.live = 0;
  pool.chunks = 0;
  pool.allocs = 0;
  pool.frees = 0;
  return h;
}

/** Takes a new chunk of nextCapacity slots from the heap. Returns false when it cannot. */
function addChunk(pool: FixedPool): bool {
  const cap = pool.nextCapacity;
  const bytes = <u64>slotsOffset(cap) + <u64>cap * <u64>pool.slot;
  if (bytes > 0xF000_0000) return false;
  const c = allocateInternal(<usize>bytes);
  if (c == 0) return false;
  store<u32>(c, pool.chunkHead);
  store<u32>(c, cap, 4);
  memory.fill(c + CHUNK_HEADER, 0, slotsOffset(cap) - CHUNK_HEADER);
  pool.chunkHead = <u32>c;
  pool.bumpNext = <u32>(c + slotsOffset(cap));
  pool.bumpEnd = <u32>(<usize>pool.bumpNext + <usize>cap * <usize>pool.slot);
  pool.nextCapacity = cap << 1;
  pool.chunks += 1;
  return true;
}

/** Sets (used true) or clears the in-use bit of slot `s` of chunk `c`. */
// @ts-ignore: decorator
@inline function markSlot(pool: FixedPool, c: usize, s: usize, used: bool): void {
  const i = (s - c - slotsOffset(load<u32>(c, 4))) / <usize>pool.slot;
  const a = c + CHUNK_HEADER + (i >> 3);
  const bit = <u32>1 << <u32>(i & 7);
  store<u8>(a, <u8>(used ? <u32>load<u8>(a) | bit : <u32>load<u8>(a) & ~bit));
}

/** An object from the pool, or 0 when the heap cannot grow (or `h` is not a pool). */
export function fixedPoolAlloc(h: usize): usize {
  const pool = poolAt(h);
  if (pool === null) return fail(ErrorCode.INVALID_POINTER, h);
  let s: usize;
  let c: usize;
  if (pool.freeHead != 0) {
    s = <usize>pool.freeHead;
    pool.freeHead = load<u32>(s);
    c = <usize>load<u32>(s, 4);
  } else {
    if (pool.bumpNext == pool.bumpEnd && !addChunk(pool)) return fail(ErrorCode.OUT_OF_MEMORY, 0);
    s = <usize>pool.bumpNext;
    pool.bumpNext += pool.slot;
    c = <usize>pool.chunkHead;
  }
  markSlot(pool, c, s, true);
  pool.live += 1;
  pool.allocs += 1;
  return s;
}

/**
 * Returns an object to the pool. OK, INVALID_POINTER (not a slot of this pool, or `h` is not a
 * pool) or DOUBLE_FREE (a slot that is not in use); on an error nothing changes.
 */
export function fixedPoolFree(h: usize, p: usize): u32 {
  const pool = poolAt(h);
  if (pool === null) {
    fail(ErrorCode.INVALID_POINTER, h);
    return ErrorCode.INVALID_POINTER;
  }
  for (let c = <usize>pool.chunkHead; c != 0; c = <usize>load<u32>(c)) {
    const first = c + slotsOffset(load<u32>(c, 4));
    const end = c == <usize>pool.chunkHead ? <usize>pool.bumpNext : first + <usize>load<u32>(c, 4) * <usize>pool.slot;
    if (p < first || p >= end) continue;
    if ((p - first) % <usize>pool.slot != 0) break;
    const i = (p - first) / <usize>pool.slot;
    const a = c + CHUNK_HEADER + (i >> 3);
    if ((<u32>load<u8>(a) & (<u32>1 << <u32>(i & 7))) == 0) {
      fail(ErrorCode.DOUBLE_FREE, p);
      return ErrorCode.DOUBLE_FREE;
    }
    markSlot(pool, c, p, false);
    store<u32>(p, pool.freeHead);
    store<u32>(p, <u32>c, 4);
    pool.freeHead = <u32>p;
    pool.live -= 1;
    pool.frees += 1;
    return ErrorCode.OK;
  }
  fail(ErrorCode.INVALID_POINTER, p);
  return ErrorCode.INVALID_POINTER;
}

/** Pool statistic `i`: 0 objectSize, 1 slot, 2 live, 3 chunks, 4 capacity, 5 allocs, 6 frees, 7 bytes reserved. */
export function fixedPoolStat(h: usize, i: u32): f64 {
  const pool = poolAt(h);
  if (pool === null) return NaN;
  let capacity: u64 = 0;
  let bytes: u64 = 0;
  for (let c = <usize>pool.chunkHead; c != 0; c = <usize>load<u32>(c)) {
    capacity += <u64>load<u32>(c, 4);
    bytes += <u64>slotsOffset(load<u32>(c, 4)) + <u64>load<u32>(c, 4) * <u64>pool.slot;
  }
  switch (i) {
    case 0: return <f64>pool.objectSize;
    case 1: return <f64>pool.slot;
    case 2: return <f64>pool.live;
    case 3: return <f64>pool.chunks;
    case 4: return <f64>capacity;
    case 5: return <f64>pool.allocs;
    case 6: return <f64>pool.frees;
    case 7: return <f64>bytes;
    default: return NaN;
  }
}

/** Gives every chunk and the descriptor back to the heap. Returns OK or INVALID_POINTER. */
export function fixedPoolDestroy(h: usize): u32 {
  const pool = poolAt(h);
  if (pool === null) {
    fail(ErrorCode.INVALID_POINTER, h);
    return ErrorCode.INVALID_POINTER;
  }
  let c = <usize>pool.chunkHead;
  while (c != 0) {
    const next = <usize>load<u32>(c);
    releaseInternal(c);
    c = next;
  }
  pool.magic = 0;
  releaseInternal(h);
  return ErrorCode.OK;
}
