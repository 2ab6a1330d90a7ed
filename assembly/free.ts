// free: the default policy's fast path (the cache of small freed blocks, or a merge with free
// neighbours), the general path, and the blocks the pools and arenas give back.

import { AL_MASK, ErrorCode, MINIMAL } from "./common";
import { FLAGS_MASK, HEADER, INTERNAL, SETHEADER, SIZE, USED, mem2block } from "./block";
import { releaseSeg, retire } from "./coalesce";
import { CLEARSTART, GUARDS, STARTKIND } from "./starts";
import { CACHING, cacheCounts4, cachePut, cacheTake } from "./cache";
import { ST, CACHE_BINS } from "./state";
import { checkPointer } from "./guard";
import { ensureHeap } from "./setup";
import { SEGREGATED_IMMEDIATE } from "./fit/policy";

/** Gives back a block from allocateInternal, which the caller vouches for. */
export function releaseInternal(p: usize): void {
  const b = mem2block(p);
  SETHEADER(b, HEADER(b) & ~INTERNAL);
  const st = ST();
  st.usedBytes -= <u32>SIZE(b);
  st.usedBlocks -= 1;
  retire(b);
}

/**
 * Empties the cache of small freed blocks (cache.ts): each of its blocks is freed for real, its
 * start record cleared and the block merged and listed. Returns whether there was any.
 */
export function flushCache(): bool {
  if (!CACHING || ST().cacheBytes == 0) return false;
  for (let i: u32 = 0; i <= CACHE_BINS; i++) {   // (bin CACHE_BINS is the victim)
    if ((i & 3) == 0 && cacheCounts4(i) == 0) {   // four empty bins at once
      i += 3;
      continue;
    }
    for (let b = cacheTake(i); b != 0; b = cacheTake(i)) retire(b);
  }
  return true;
}

/** free: returns OK (also for 0), DOUBLE_FREE or INVALID_POINTER; on an error nothing changes. */
export function deallocate(ptr: usize): u32 { return deallocateInline(ptr); }

/** deallocate's steps, inlined into the exported free (index.ts), as malloc's are (alloc.ts, allocateInline). */
// @ts-ignore: decorator
@inline export function deallocateInline(ptr: usize): u32 {
  if (ptr == 0) return ErrorCode.OK;
  if (!MINIMAL && GUARDS && !ASC_FEATURE_THREADS && SEGREGATED_IMMEDIATE()) {
    // The default policy's free, with no call on its path: the table is read once for the
    // check and for the update. Any pointer it does not pass goes through the full check,
    // which records the error.
    ensureHeap();
    const st = ST();
    const b = mem2block(ptr);
    // (No test against brk: the table names used blocks only, and windows past the heap's end
    // are zero (I13), so a pointer past it finds no start.)
    const kind = (ptr & AL_MASK) == 0 ? STARTKIND(b) : 0;
    const h = kind != 0 ? HEADER(b) : 0;
    if ((h & (USED | INTERNAL)) == USED && b != <usize>st.tableBlock) {
      const size = <usize>(h & ~FLAGS_MASK);
      st.usedBytes -= <u32>size;
      st.usedBlocks -= 1;
      // The block to free for real: b, the victim b displaced, or none (a cached block stays
      // recorded in the table). Its start record goes first (for b, the look-up above has read
      // the same table byte; one path for both takes no branch on which it is).
      const x = cachePut(b, size, h);
      if (x != 0) {
        CLEARSTART(x);
        releaseSeg(x);
      }
      if (CACHING && st.usedBlocks == 0) flushCache();   // an emptied heap is one free block again
      return ErrorCode.OK;
    }
  }
  const err = checkPointer(ptr);
  if (err != ErrorCode.OK) return err;
  const b = mem2block(ptr);
  const st = ST();
  const size = SIZE(b);
  st.usedBytes -= <u32>size;
  st.usedBlocks -= 1;
  retire(b);
  return ErrorCode.OK;
}
