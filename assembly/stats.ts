// Statistics, read one at a time by index so that the host needs no knowledge of the state's
// layout. src/stats.ts holds the same list, in the same order, with names and documentation.

import { PAGE_BITS } from "./common";
import { EPILOGUE_SIZE, PROLOGUE_SIZE } from "./block";
import { largestFree } from "./check";
import { HeapState, ST } from "./state";

/** The statistics, in index order. */
export const enum Stat {
  EXTENT = 0,          // brk - heapStart
  PEAK_EXTENT = 1,     // the same: the extent never shrinks
  MEMORY_BYTES = 2,    // memory.size() pages in bytes
  USED_BYTES = 3,      // bytes in used blocks, headers included
  USED_BLOCKS = 4,
  FREE_BYTES = 5,      // extent - prologue - epilogue - usedBytes - guardBytes: bytes in free blocks
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
  COUNT = 16,
}

/** Codes in FIELDS for the statistics that are not a u32 field of the state. */
// @ts-ignore: decorator
@inline const EXTENT_: u8 = 0xF0;
// @ts-ignore: decorator
@inline const MEMORY_: u8 = 0xF1;
// @ts-ignore: decorator
@inline const FREE_BYTES_: u8 = 0xF2;
// @ts-ignore: decorator
@inline const LARGEST_FREE_: u8 = 0xF3;
// @ts-ignore: decorator
@inline const BYTES_CLEARED_: u8 = 0xF4;

/** For each statistic in index order: the offset of its u32 field in the state, or a code above. */
const FIELDS = memory.data<u8>([
  EXTENT_, EXTENT_, MEMORY_,
  <u8>offsetof<HeapState>("usedBytes"), <u8>offsetof<HeapState>("usedBlocks"), FREE_BYTES_,
  <u8>offsetof<HeapState>("freeBlocks"), LARGEST_FREE_, <u8>offsetof<HeapState>("peakUsedBytes"),
  <u8>offsetof<HeapState>("growCalls"), BYTES_CLEARED_, <u8>offsetof<HeapState>("heapStart"),
  <u8>offsetof<HeapState>("guardBytes"), <u8>offsetof<HeapState>("allocSeq"),
  <u8>offsetof<HeapState>("quarantineCount"), <u8>offsetof<HeapState>("quarantineBytes"),
]);

/** Statistic `i` (see Stat), or NaN for an index out of range. */
export function readStat(i: u32): f64 {
  if (i >= <u32>Stat.COUNT) return NaN;
  const st = ST();
  const f = load<u8>(FIELDS + <usize>i);
  if (f < EXTENT_) return <f64>load<u32>(changetype<usize>(st) + <usize>f);
  const extent = st.brk - st.heapStart;
  if (f == EXTENT_) return <f64>extent;
  if (f == MEMORY_) return <f64>(<u64>memory.size() << PAGE_BITS);
  if (f == FREE_BYTES_) return <f64>(extent - <u32>(PROLOGUE_SIZE + EPILOGUE_SIZE) - st.usedBytes - st.guardBytes);
  if (f == LARGEST_FREE_) return <f64>largestFree();
  return <f64>st.bytesCleared;
}
