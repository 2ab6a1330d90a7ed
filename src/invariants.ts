// The heap invariants in words, by the numbers that assembly/check.ts reports.

/** Invariant number → what it promises. Index 0 is unused. */
export const INVARIANTS: readonly string[] = [
  "",
  "I1: the heap state is sound (magic, policy, heapStart, brk within memory and maximumPages)",
  "I2: the prologue header is intact",
  "I3: every block is at least 16 bytes",
  "I4: every payload is 8-byte aligned (headers at 4 mod 8, sizes multiples of 8)",
  "I5: no block runs past the epilogue",
  "I6: the walk ends exactly at the epilogue, so block sizes add up to the extent",
  "I7: each block's left-used bit matches its left neighbour",
  "I8: a free block's footer equals its header's size",
  "I9: under immediate coalescing, no two free blocks are adjacent",
  "I10: the free lists hold exactly the free blocks (in address order, or by size class), with consistent links",
  "I11: the statistics agree with the heap walk",
  "I12: the next-fit rover points at a free block or the list's sentinel",
  "I13: the start table names the first block of every window it covers",
  "I14: the start table covers every block start, from the state's table or a valid chunk",
  "I15: every live block's canaries are intact (debug heap)",
  "I16: every quarantined block still holds its freed fill (debug heap)",
  "I17: the quarantine lists exactly the quarantined blocks (debug heap)",
  "I18: the cache of small freed blocks holds, in each bin, its count of flagged used blocks of the bin's size, and in its victim at most one of 520 bytes to 4 KiB, as the statistics say",
];
