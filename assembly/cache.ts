// The cache of small freed blocks: what makes malloc and free of the same small sizes cheap.
//
// Under segregated fits with immediate coalescing, free puts a block of up to CACHE_MAX bytes
// (header included) in a bin of its exact size, up to CACHE_CAP blocks a bin (0 when the heap's
// `cache` option turned it off: heap_set_cache), instead of merging
// it and listing it; malloc of a size whose bin has a block takes the last one put there. Neither
// touches the class lists, the neighbours or the start table:
//
//   - A cached block stays a used block in the heap's sequence, with its bit 2 set (the C flag,
//     block.ts), and stays recorded in the start table. So its neighbours do not merge with it,
//     and a second free of it, or a realloc or usableSize, finds a block that is not the user's:
//     the check tells it from an internal block (which also has bit 2) by finding it in its bin,
//     and answers DOUBLE_FREE.
//   - Its first payload word links the bin (the next block in it, or 0); its second holds the
//     block's address xor CACHE_KEY, so that telling a cached block from an internal one walks
//     a bin only when that word matches.
//   - It is out of the used statistics (usedBytes, usedBlocks), as a freed block is; freeBytes
//     counts it, and freeBlocks counts it as one free block.
//   - Before the heap grows, before a request fails, and when the last used block is freed, the
//     cache is emptied: each block is freed for real, merged with its free neighbours (free.ts,
//     flushCache). When realloc would grow a block into a cached neighbour, that one block is. So the cache never grows the
//     heap or makes a request fail that would have succeeded without it; it only changes which
//     free block serves a request in between. (A failed request has emptied it: like the merge
//     pass of deferred coalescing, that changes the count and sizes of free blocks, not the free
//     bytes.)
//
//   bin i (block size 16 + 8 i):  head ─▶ [hdr|C][next][b ^ KEY]... ─▶ [hdr|C][0][...]
//
// The cache is in the release and foreign builds. The debug heap has its quarantine instead, the
// shared build its per-worker caches (shared.ts), and the minimal build is made for size.
//
// Invariant (I18): each bin holds at most CACHE_CAP used blocks of its size with the C flag and
// the key word, each once, and no other block has both; the bins' count bytes are their counts,
// and cacheBytes their bytes. The word past the counts (CACHE_NONE) is 0: malloc reads it as the
// bin of a request larger than CACHE_MAX.
//
// The number of cached blocks is kept in no state word: it is the sum of the count bytes
// (cacheBlockCount), read only by the statistics and the checker, so a push or a pop writes one
// state word fewer (awk-gsub inside wasm 1.006–1.020× as fast without the running count, the
// rest within the spread; bench/RESULTS.md, 2026-11-30).

import { DEBUG, MINIMAL } from "./common";
import { CACHED, FLAGS_MASK, HEADER, SETHEADER, SIZE } from "./block";
import { GUARDS } from "./starts";
import { CACHE, CACHE_AREA, CACHE_BINS, CACHE_NONE, ST } from "./state";

/** Whether this build has the cache. */
// @ts-ignore: decorator
@inline export const CACHING: bool = !MINIMAL && !DEBUG && !ASC_FEATURE_THREADS && GUARDS;
/** The largest block size a bin holds, header included. */
// @ts-ignore: decorator
@inline export const CACHE_MAX: usize = 8 * (<usize>CACHE_BINS + 1);
/** Blocks a bin holds at most. */
// @ts-ignore: decorator
@inline export const CACHE_CAP: u32 = 8;
/** Xored with a cached block's address in its second payload word. */
// @ts-ignore: decorator
@inline const CACHE_KEY: u32 = 0x9E3779B9;

/** The bin word of blocks of `size` bytes (16 to CACHE_MAX, a multiple of 8). */
// @ts-ignore: decorator
@inline function BIN(size: usize): usize { return CACHE() + ((size >> 3) - 2 << 2); }
/** The count byte of that bin. */
// @ts-ignore: decorator
@inline function COUNT(size: usize): usize { return CACHE() + (<usize>CACHE_BINS << 2) + (size >> 3) - 2; }

/**
 * free's fast path: puts the used block `b` of `size` bytes (its header `h`) in its bin, when
 * it is small enough and the bin has room. Returns whether it did. The caller has checked the
 * pointer and takes the block out of the used statistics.
 */
// @ts-ignore: decorator
@inline export function cachePush(b: usize, size: usize, h: u32): bool {
  if (!CACHING || size > CACHE_MAX) return false;
  const ca = COUNT(size);
  const n = <u32>load<u8>(ca);
  const st = ST();
  if (n >= st.cacheCap || st.cacheBytes + <u32>size > ((st.brk - st.heapStart) >> 6)) return false;
  store<u8>(ca, <u8>(n + 1));
  const bin = BIN(size);
  store<u32>(b, load<u32>(bin), 4);
  store<u32>(b, <u32>b ^ CACHE_KEY, 8);
  store<u32>(bin, <u32>b);
  SETHEADER(b, h | CACHED);
  st.cacheBytes += <u32>size;
  return true;
}

/**
 * malloc's fast path: the last block put in the bin of `size` bytes, now used again, or 0. The
 * caller adds it to the used statistics.
 */
// @ts-ignore: decorator
@inline export function cachePop(size: usize): usize {
  if (!CACHING) return 0;
  // A request larger than any bin's blocks reads the always-empty word past the counts, so that
  // one test (a block or none) decides where a malloc goes rather than two: with sizes that
  // change from call to call the test of the size alone was the branch mispredicted most
  // (bench/RESULTS.md, 2026-11-30). (A select: no branch.)
  const bin = select<usize>(CACHE() + CACHE_NONE, BIN(size), size > CACHE_MAX);
  const b = <usize>load<u32>(bin);
  if (b == 0) return 0;
  store<u32>(bin, load<u32>(b, 4));
  leave(b, COUNT(size));                    // (a block was there, so the size is a bin's)
  return b;
}

/**
 * Takes the first block out of the bin whose word is at `bin` and count byte at `ca`: it loses
 * its C flag and is a plain used block again, out of the statistics of cached blocks. 0 when
 * the bin is empty. cachePop's and cacheTake's one copy of the steps.
 */
// @ts-ignore: decorator
@inline function binPop(bin: usize, ca: usize): usize {
  const b = <usize>load<u32>(bin);
  if (b == 0) return 0;
  store<u32>(bin, load<u32>(b, 4));
  leave(b, ca);
  return b;
}

/**
 * The steps after the block `b` is unlinked from its bin (count byte at `ca`): the count goes
 * down, the block loses its C flag, and it leaves the statistics of cached blocks.
 */
// @ts-ignore: decorator
@inline function leave(b: usize, ca: usize): void {
  store<u8>(ca, load<u8>(ca) - 1);
  const h = HEADER(b);
  SETHEADER(b, h & ~CACHED);
  ST().cacheBytes -= <u32>(h & ~FLAGS_MASK);
}

/**
 * Whether the used block `b`, whose bit 2 is set, is in the cache (rather than an internal
 * block): its key word, then its bin. For the checks of pointers already refused, and of pool
 * handles.
 */
export function isCached(b: usize): bool {
  if (!CACHING) return false;
  const size = SIZE(b);
  if (size > CACHE_MAX || load<u32>(b, 8) != (<u32>b ^ CACHE_KEY)) return false;
  let steps = CACHE_CAP;
  for (let x = <usize>load<u32>(BIN(size)); x != 0 && steps != 0; x = <usize>load<u32>(x, 4), steps--) {
    if (x == b) return true;
  }
  return false;
}

/**
 * Takes the first block out of bin `i` (below CACHE_BINS) for good: it loses its C flag and is a
 * plain used block again, out of the used statistics, which the caller frees for real (free.ts,
 * flushCache). 0 when the bin is empty.
 */
export function cacheTake(i: u32): usize {
  if (!CACHING) return 0;
  return binPop(CACHE() + (<usize>i << 2), CACHE() + (<usize>CACHE_BINS << 2) + i);
}

/**
 * Takes the cached block `b` (isCached(b) holds) out of its bin for good: it loses its C flag and
 * is a plain used block again, out of the used statistics, which the caller frees for real
 * (realloc.ts, reallocate: a block about to grow into it). At most CACHE_CAP steps.
 */
export function cacheRemove(b: usize): void {
  const size = SIZE(b);
  let at = BIN(size);                       // the word that points at the next block to look at
  for (let x = <usize>load<u32>(at); x != 0; x = <usize>load<u32>(at)) {
    if (x == b) {
      store<u32>(at, load<u32>(b, 4));
      break;
    }
    at = x + 4;
  }
  leave(b, COUNT(size));
}

/** The blocks in the cache: the sum of the bins' count bytes. */
export function cacheBlockCount(): u32 {
  if (!CACHING) return 0;
  const counts = CACHE() + (<usize>CACHE_BINS << 2);
  let sum: u32 = 0;
  for (let i: usize = 0; i < <usize>CACHE_BINS; i++) sum += <u32>load<u8>(counts + i);
  return sum;
}

/** The counts of bins `i` to `i + 3` (`i` a multiple of 4) in one word: 0 when all four are empty. */
export function cacheCounts4(i: u32): u32 {
  return load<u32>(CACHE() + (<usize>CACHE_BINS << 2) + i);
}

/** Clears the bins, and turns the cache on (setting a heap up). */
export function cacheSetup(): void {
  if (!CACHING) return;
  memory.fill(CACHE(), 0, CACHE_AREA);
  const st = ST();
  st.cacheBytes = 0;
  st.cacheCap = CACHE_CAP;
}

/** Turns the cache on or off (heap_set_cache); the caller empties it when it turns it off. */
export function setCacheCap(on: bool): void {
  if (CACHING) ST().cacheCap = on ? CACHE_CAP : 0;
}

/** The always-empty bin word past the counts (cachePop), for the checker: 0 unless something overwrote it. */
export function cacheNoneWord(): u32 { return CACHING ? load<u32>(CACHE() + CACHE_NONE) : 0; }
/** Bin `i`'s first block, for the checker. */
export function cacheBin(i: u32): usize { return CACHING ? <usize>load<u32>(CACHE() + (<usize>i << 2)) : 0; }
/** Bin `i`'s count, for the checker. */
export function cacheCount(i: u32): u32 { return CACHING ? <u32>load<u8>(CACHE() + (<usize>CACHE_BINS << 2) + i) : 0; }
/** The block after `b` in its bin, for the checker. */
export function cacheNext(b: usize): usize { return <usize>load<u32>(b, 4); }
/** Whether `b`'s key word is right, for the checker. */
export function cacheKeyed(b: usize): bool { return load<u32>(b, 8) == (<u32>b ^ CACHE_KEY); }
