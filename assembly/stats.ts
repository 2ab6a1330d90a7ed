// Statistics, read one at a time by index so that the host needs no knowledge of the state's
// layout. src/stats.ts holds the same list, in the same order, with names and documentation.

import { PAGE_BITS } from "./common";
import { EPILOGUE_SIZE, PROLOGUE_SIZE } from "./block";
import { largestFree } from "./check";
import { HeapState, ST, gapBytes } from "./state";
import { CACHING, cacheBlockCount } from "./cache";

/** The statistics, in index order. */
export const enum Stat {
  EXTENT = 0,          // brk - heapStart
  PEAK_EXTENT = 1,     // the same: the extent never shrinks
  MEMORY_BYTES = 2,    // memory.size() pages in bytes
  USED_BYTES = 3,      // bytes in used blocks, headers included
  USED_BLOCKS = 4,
  FREE_BYTES = 5,      // extent - prologue - epilogue - usedBytes - guardBytes - foreignBytes: bytes in free blocks
  FREE_BLOCKS = 6,
  LARGEST_FREE = 7,    // the largest free block, in bytes (a walk of the free list)
  PEAK_USED_BYTES = 8,
  GROW_CALLS = 9,      // memory.grow calls
  BYTES_CLEARED = 10,  // bytes calloc cleared
  HEAP_START = 11,     // the prologue's address
  GUARD_BYTES = 12,    // bytes in the start table's chunks inside the heap
  ALLOCATIONS = 13,    // debug heap: allocations so far (the last sequence number)
  QUARANTINED_BLOCKS = 14, // debug heap: blocks in quarantine (counted in usedBlocks)
  QUARANTINED_BYTES = 15,  // debug heap: their block bytes (counted in usedBytes)
  FOREIGN_BYTES = 16,  // foreign build: bytes of the gaps over memory that someone else grew
  CACHED_BLOCKS = 17,  // freed blocks waiting in the cache of small blocks (counted in freeBytes)
  CACHED_BYTES = 18,   // their bytes, headers included
  COUNT = 19,
}

/** Codes in the field table for the statistics that are not a u32 field of the state. */
// @ts-ignore: decorator
@inline const EXTENT_: u64 = 0xF0;
// @ts-ignore: decorator
@inline const MEMORY_: u64 = 0xF1;
// @ts-ignore: decorator
@inline const FREE_BYTES_: u64 = 0xF2;
// @ts-ignore: decorator
@inline const LARGEST_FREE_: u64 = 0xF3;
// @ts-ignore: decorator
@inline const BYTES_CLEARED_: u64 = 0xF4;
// @ts-ignore: decorator
@inline const FOREIGN_BYTES_: u64 = 0xF5;
// @ts-ignore: decorator
@inline const CACHED_BLOCKS_: u64 = 0xF6;

/** A state field's offset, as a byte of the field table. */
// @ts-ignore: decorator
@inline function at(offset: usize, byte: u64): u64 { return <u64>offset << (byte << 3); }

/**
 * For each statistic in index order, a byte: the offset of its u32 field in the state, or a code
 * above. Eight to a u64 constant rather than a table in memory: the foreign build may have no
 * data segment.
 */
// @ts-ignore: decorator
@inline function fieldOf(i: u32): u32 {
  const w0: u64 = EXTENT_ | EXTENT_ << 8 | MEMORY_ << 16 | at(offsetof<HeapState>("usedBytes"), 3) |
    at(offsetof<HeapState>("usedBlocks"), 4) | FREE_BYTES_ << 40 | at(offsetof<HeapState>("freeBlocks"), 6) |
    LARGEST_FREE_ << 56;
  const w1: u64 = at(offsetof<HeapState>("peakUsedBytes"), 0) | at(offsetof<HeapState>("growCalls"), 1) |
    BYTES_CLEARED_ << 16 | at(offsetof<HeapState>("heapStart"), 3) | at(offsetof<HeapState>("guardBytes"), 4) |
    at(offsetof<HeapState>("allocSeq"), 5) | at(offsetof<HeapState>("quarantineCount"), 6) |
    at(offsetof<HeapState>("quarantineBytes"), 7);
  // (Without the cache both of its statistics read cacheBytes, which such a build never writes: 0.)
  const w2: u64 = FOREIGN_BYTES_ | (CACHING ? CACHED_BLOCKS_ : <u64>offsetof<HeapState>("cacheBytes")) << 8 |
    at(offsetof<HeapState>("cacheBytes"), 2);
  const w = i < 8 ? w0 : i < 16 ? w1 : w2;
  return <u32>(w >> ((<u64>i & 7) << 3)) & 0xFF;
}

/** Statistic `i` (see Stat), or NaN for an index out of range. */
export function readStat(i: u32): f64 {
  if (i >= <u32>Stat.COUNT) return NaN;
  const st = ST();
  const f = fieldOf(i);
  if (f < <u32>EXTENT_) return <f64>load<u32>(changetype<usize>(st) + <usize>f);
  const extent = st.brk - st.heapStart;
  if (f == <u32>EXTENT_) return <f64>extent;
  if (f == <u32>MEMORY_) return <f64>(<u64>memory.size() << PAGE_BITS);
  if (f == <u32>FREE_BYTES_) return <f64>(extent - <u32>(PROLOGUE_SIZE + EPILOGUE_SIZE) - st.usedBytes - st.guardBytes - gapBytes());
  if (f == <u32>LARGEST_FREE_) return <f64>largestFree();
  if (f == <u32>FOREIGN_BYTES_) return <f64>gapBytes();
  if (CACHING && f == <u32>CACHED_BLOCKS_) return <f64>cacheBlockCount();
  return <f64>st.bytesCleared;
}
