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
//   the victim:                   word ─▶ [hdr|C][0][b ^ KEY]    (one block, 520 to 4,104 bytes)
//
// The victim is a cache of one for the blocks above the bins' sizes, up to VICTIM_MAX: free
// puts such a block there and frees for real the one it displaces, and malloc takes it for a
// request of exactly its size. Programs free and malloc buffers of one size in turn (awk's
// 1,024-byte buffers between its strings: awk-gsub); the victim serves those without a merge
// and a split, and holds at most one block, so it never holds much memory idle (bins of every
// size up to 1,032 bytes held blocks of sizes that did not come back, and emptying them before
// the heap could grow cost synthetic churn 20%; bench/RESULTS.md, 2026-11-30). It is bin number
// CACHE_BINS for the counts, the checker and the flush.
//
// The cache is in the release and foreign builds. The debug heap has its quarantine instead, the
// shared build its per-worker caches (shared.ts), and the minimal build is made for size.
//
// Invariant (I18): each bin holds at most CACHE_CAP used blocks of its size with the C flag and
// the key word, each once, and no other block has both; the victim word is 0 or names one such
// block of CACHE_MAX + 8 to VICTIM_MAX bytes, whose link word is 0; the count bytes are the bins'
// and the victim's counts, and cacheBytes their bytes.
//
// The number of cached blocks is kept in no state word: it is the sum of the count bytes
// (cacheBlockCount), read only by the statistics and the checker, so a push or a pop writes one
// state word fewer (awk-gsub inside wasm 1.006–1.020× as fast without the running count, the
// rest within the spread; bench/RESULTS.md, 2026-11-30).

import { DEBUG, MINIMAL } from "./common";
import { CACHED, FLAGS_MASK, HEADER, SETHEADER, SIZE } from "./block";
import { GUARDS } from "./starts";
import { CACHE, CACHE_AREA, CACHE_BINS, CACHE_VICTIM, ST } from "./state";

/** Whether this build has the cache. */
// @ts-ignore: decorator
@inline export const CACHING: bool = !MINIMAL && !DEBUG && !ASC_FEATURE_THREADS && GUARDS;
/** The largest block size a bin holds, header included. */
// @ts-ignore: decorator
@inline export const CACHE_MAX: usize = 8 * (<usize>CACHE_BINS + 1);
/** Blocks a bin holds at most. */
// @ts-ignore: decorator
@inline export const CACHE_CAP: u32 = 8;
/** The largest block size the victim holds: a request of 4 KiB. */
// @ts-ignore: decorator
@inline export const VICTIM_MAX: usize = 4096 + 8;
/** Xored with a cached block's address in its second payload word. */
// @ts-ignore: decorator
@inline const CACHE_KEY: u32 = 0x9E3779B9;

/** The bin word of blocks of `size` bytes (16 to CACHE_MAX, a multiple of 8). */
// @ts-ignore: decorator
@inline function BIN(size: usize): usize { return CACHE() + ((size >> 3) - 2 << 2); }
/** The count byte of that bin. */
// @ts-ignore: decorator
@inline function COUNT(size: usize): usize { return CACHE() + (<usize>CACHE_BINS << 2) + (size >> 3) - 2; }
/** The victim word. */
// @ts-ignore: decorator
@inline function VICTIM(): usize { return CACHE() + CACHE_VICTIM; }
/** The victim's count byte (bin CACHE_BINS's), after the bins'. */
// @ts-ignore: decorator
@inline function VICTIM_COUNT(): usize { return CACHE() + (<usize>CACHE_BINS << 2) + <usize>CACHE_BINS; }
/** Bin `i`'s word, the victim's for i == CACHE_BINS. */
// @ts-ignore: decorator
@inline function BINWORD(i: u32): usize { return i == CACHE_BINS ? VICTIM() : CACHE() + (<usize>i << 2); }

/**
 * free's fast path: puts the used block `b` of `size` bytes (its header `h`) in the cache, when
 * its bin has room or it is the victim's size. Returns the block that the caller must now free
 * for real: `b` when it stays out, the victim it displaced, or 0. The caller has checked the
 * pointer and takes `b` out of the used statistics.
 */
// @ts-ignore: decorator
@inline export function cachePut(b: usize, size: usize, h: u32): usize {
  if (!CACHING) return b;
  const st = ST();
  if (size > CACHE_MAX) {
    if (size > VICTIM_MAX || st.cacheCap == 0) return b;
    const at = VICTIM();
    const old = <usize>load<u32>(at);
    store<u8>(VICTIM_COUNT(), 1);
    enter(b, h, at, 0);
    if (old != 0) {
      const oh = HEADER(old);
      SETHEADER(old, oh & ~CACHED);
      st.cacheBytes -= oh & ~FLAGS_MASK;
    }
    return old;
  }
  const ca = COUNT(size);
  const n = <u32>load<u8>(ca);
  if (n >= st.cacheCap || st.cacheBytes + <u32>size > ((st.brk - st.heapStart) >> 6)) return b;
  store<u8>(ca, <u8>(n + 1));
  const bin = BIN(size);
  enter(b, h, bin, <usize>load<u32>(bin));
  return 0;
}

/** The steps that put the block `b` (header `h`) first in the bin word at `bin`, before `next`. */
// @ts-ignore: decorator
@inline function enter(b: usize, h: u32, bin: usize, next: usize): void {
  store<u32>(b, <u32>next, 4);
  store<u32>(b, <u32>b ^ CACHE_KEY, 8);
  store<u32>(bin, <u32>b);
  SETHEADER(b, h | CACHED);
  ST().cacheBytes += (h & ~FLAGS_MASK);
}

/**
 * malloc's fast path: the last block put in the bin of `size` bytes, now used again, or 0. The
 * caller adds it to the used statistics.
 */
// @ts-ignore: decorator
@inline export function cachePop(size: usize): usize {
  if (!CACHING) return 0;
  // A request larger than any bin's blocks reads the victim word, so that one test (a block or
  // none) decides where a malloc goes rather than a test of the size first: with sizes that
  // change from call to call the test of the size alone was the branch mispredicted most
  // (bench/RESULTS.md, 2026-11-30). (A select: no branch.) A bin's blocks are all of its size;
  // the victim may be of another. (Testing the victim only after a miss kept a bin's path 1.5
  // operations shorter, but cost awk-gsub 8%: its branch on the size came back.)
  const large = size > CACHE_MAX;
  const bin = select<usize>(VICTIM(), BIN(size), large);
  const b = <usize>load<u32>(bin);
  if (b == 0) return 0;
  if (large) {
    if (SIZE(b) != size) return 0;
    store<u32>(bin, 0);
    leave(b, VICTIM_COUNT());
    return b;
  }
  store<u32>(bin, load<u32>(b, 4));
  leave(b, COUNT(size));
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
  if (b == <usize>load<u32>(VICTIM())) return true;
  const size = SIZE(b);
  if (size > CACHE_MAX || load<u32>(b, 8) != (<u32>b ^ CACHE_KEY)) return false;
  let steps = CACHE_CAP;
  for (let x = <usize>load<u32>(BIN(size)); x != 0 && steps != 0; x = <usize>load<u32>(x, 4), steps--) {
    if (x == b) return true;
  }
  return false;
}

/**
 * Takes the first block out of bin `i` (up to CACHE_BINS, the victim) for good: it loses its C
 * flag and is a plain used block again, out of the used statistics, which the caller frees for
 * real (free.ts, flushCache). 0 when the bin is empty.
 */
export function cacheTake(i: u32): usize {
  if (!CACHING) return 0;
  return binPop(BINWORD(i), CACHE() + (<usize>CACHE_BINS << 2) + i);
}

/**
 * Takes the cached block `b` (isCached(b) holds) out of its bin for good: it loses its C flag and
 * is a plain used block again, out of the used statistics, which the caller frees for real
 * (realloc.ts, reallocate: a block about to grow into it). At most CACHE_CAP steps.
 */
export function cacheRemove(b: usize): void {
  const size = SIZE(b);
  if (size > CACHE_MAX) {                   // the victim
    store<u32>(VICTIM(), 0);
    leave(b, VICTIM_COUNT());
    return;
  }
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

/** The blocks in the cache: the sum of the bins' and the victim's count bytes. */
export function cacheBlockCount(): u32 {
  if (!CACHING) return 0;
  const counts = CACHE() + (<usize>CACHE_BINS << 2);
  let sum: u32 = 0;
  for (let i: usize = 0; i <= <usize>CACHE_BINS; i++) sum += <u32>load<u8>(counts + i);
  return sum;
}

/**
 * The counts of bins `i` to `i + 3` (`i` a multiple of 4) in one word: 0 when all four are empty.
 * (Bin CACHE_BINS, the victim, is the last of the last four: CACHE_BINS is 3 mod 4.)
 */
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

/** Bin `i`'s first block (the victim for i == CACHE_BINS), for the checker. */
export function cacheBin(i: u32): usize { return CACHING ? <usize>load<u32>(BINWORD(i)) : 0; }
/** Bin `i`'s count, for the checker. */
export function cacheCount(i: u32): u32 { return CACHING ? <u32>load<u8>(CACHE() + (<usize>CACHE_BINS << 2) + i) : 0; }
/** The block after `b` in its bin, for the checker. */
export function cacheNext(b: usize): usize { return <usize>load<u32>(b, 4); }
/** Whether `b`'s key word is right, for the checker. */
export function cacheKeyed(b: usize): bool { return load<u32>(b, 8) == (<u32>b ^ CACHE_KEY); }
