// Statistics, read one at a time by index so that the host needs no knowledge of the state's
// layout. src/stats.ts holds the same list, in the same order, with names and documentation.

import { PAGE_BITS } from "./common";
import { EPILOGUE_SIZE, PROLOGUE_SIZE } from "./block";
import { largestFree } from "./check";
import { ST } from "./state";

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

/** Statistic `i` (see Stat), or NaN for an index out of range. */
export function readStat(i: u32): f64 {
  const st = ST();
  const extent = <f64>(st.brk - st.heapStart);
  switch (i) {
    case Stat.EXTENT:
    case Stat.PEAK_EXTENT: return extent;
    case Stat.MEMORY_BYTES: return <f64>(<u64>memory.size() << PAGE_BITS);
    case Stat.USED_BYTES: return <f64>st.usedBytes;
    case Stat.USED_BLOCKS: return <f64>st.usedBlocks;
    case Stat.FREE_BYTES: return extent - <f64>(PROLOGUE_SIZE + EPILOGUE_SIZE) - <f64>st.usedBytes - <f64>st.guardBytes;
    case Stat.FREE_BLOCKS: return <f64>st.freeBlocks;
    case Stat.LARGEST_FREE: return <f64>largestFree();
    case Stat.PEAK_USED_BYTES: return <f64>st.peakUsedBytes;
    case Stat.GROW_CALLS: return <f64>st.growCalls;
    case Stat.BYTES_CLEARED: return <f64>st.bytesCleared;
    case Stat.HEAP_START: return <f64>st.heapStart;
    case Stat.GUARD_BYTES: return <f64>st.guardBytes;
    case Stat.ALLOCATIONS: return <f64>st.allocSeq;
    case Stat.QUARANTINED_BLOCKS: return <f64>st.quarantineCount;
    case Stat.QUARANTINED_BYTES: return <f64>st.quarantineBytes;
    default: return NaN;
  }
}
