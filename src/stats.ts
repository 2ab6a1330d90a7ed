// The statistics, in the order of assembly/stats.ts's Stat enum. This list drives stats() and
// every printer; HeapStats in api.ts documents each field.

import type { HeapStats } from "./api.js";

/** HeapStats fields by core index. */
export const STAT_FIELDS = [
  "extent",
  "peakExtent",
  "memoryBytes",
  "usedBytes",
  "usedBlocks",
  "freeBytes",
  "freeBlocks",
  "largestFree",
  "peakUsedBytes",
  "growCalls",
  "bytesCleared",
  "heapStart",
  "guardBytes",
  "allocations",
  "quarantinedBlocks",
  "quarantinedBytes",
  "foreignBytes",
  "cachedBlocks",
  "cachedBytes",
] as const satisfies readonly (keyof HeapStats)[];

/** Reads every statistic through `read(index)`. */
export function readStats(read: (index: number) => number): HeapStats {
  const out = {} as Record<(typeof STAT_FIELDS)[number], number>;
  for (let i = 0; i < STAT_FIELDS.length; i++) out[STAT_FIELDS[i]] = read(i);
  return out;
}
