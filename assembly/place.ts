// Placing a request: the policy's search (fit/), the split of the block it picks, and the growth
// of the heap's end when nothing fits.

import { AL_MASK, Coalesce, Policy } from "./common";
import {
  EPILOGUE_SIZE, HEADER, ISLEFTUSED, LEFT_USED, MIN_BLOCK, NEXT, SETFOOTER, SETHEADER, SETLEFTUSED,
  SIZE, USED, GETFREELEFT,
} from "./block";
import { sbrk } from "./brk";
import { coalesceAll } from "./coalesce";
import { listInsert, listRemove, listReplace } from "./freelist";
import { isCoveredAt } from "./starts";
import { findBestFit } from "./fit/best";
import { findFirstFit } from "./fit/first";
import { findNextFit } from "./fit/next";
import { classOf, findSegCovered, findSegFit, segInsert, segRemove } from "./fit/segregated";
import { COALESCING, POLICY, SENTINEL, ST } from "./state";

/** The free block the heap's policy picks for `size` bytes, or 0. */
// @ts-ignore: decorator
@inline export function findFit(size: usize): usize {
  const policy = POLICY();
  if (policy == Policy.SEGREGATED) return findSegFit(size);
  if (policy == Policy.FIRST_FIT) return findFirstFit(size);
  if (policy == Policy.BEST_FIT) return findBestFit(size);
  return findNextFit(size);
}

/**
 * The policy's free block for `size` bytes; under deferred coalescing, when there is none and a
 * block was freed since the last merge pass, merges and searches again. 0 when nothing fits.
 */
export function findOrMerge(size: usize): usize {
  const b = findFit(size);
  return b != 0 ? b : mergeAndFind(size);
}

/** After a failed search: under deferred coalescing, merges (if a block was freed since the last pass) and searches again. */
export function mergeAndFind(size: usize): usize {
  return COALESCING() == Coalesce.DEFERRED && ST().unmerged != 0 && coalesceAll() != 0 ? findFit(size) : 0;
}

/**
 * Allocates `size` bytes from the free block `b` and returns the used block. A remainder of at
 * least MIN_BLOCK is split off and stays free. The used part keeps `b`'s low end, except when
 * `twoEnded` is set (segregated fits) and the request is no larger than the typical split
 * request: then it takes the high end, and the remainder keeps b's address. So small and large
 * blocks gather at opposite ends of the free space, and a freed run of large blocks merges into
 * one. (Small at the high end measured better than the other way round: on the Malloc Lab suite,
 * on the bundled workloads and on larger runs of the generators.) Under next fit the rover moves
 * to the remainder.
 */
export function place(b: usize, size: usize, twoEnded: bool): usize {
  const st = ST();
  const bsize = SIZE(b);
  const rem = bsize - size;
  if (rem >= MIN_BLOCK) {
    if (twoEnded && isSmall(size)) {
      const u = b + rem;
      const relist = classOf(rem) != classOf(bsize);  // (the remainder keeps b's address)
      if (relist) listRemove(b);
      SETHEADER(b, <u32>rem | (HEADER(b) & LEFT_USED));
      SETFOOTER(b, rem);
      if (relist) listInsert(b);
      SETHEADER(u, <u32>size | USED);
      SETLEFTUSED(u + size);
      return u;
    }
    const r = b + size;
    SETHEADER(r, <u32>rem | LEFT_USED);
    SETFOOTER(r, rem);
    listReplace(b, r);
    if (POLICY() == Policy.NEXT_FIT) st.rover = <u32>r;
    SETHEADER(b, <u32>size | USED | (HEADER(b) & LEFT_USED));
  } else {
    if (POLICY() == Policy.NEXT_FIT) st.rover = <u32>NEXT(b);
    listRemove(b);
    SETHEADER(b, HEADER(b) | USED);
    SETLEFTUSED(b + bsize);
  }
  return b;
}

/**
 * place under segregated fits (twoEnded set), inlined into malloc's fast path: the same steps
 * with the class lists' own insert and remove.
 */
// @ts-ignore: decorator
@inline export function placeSeg(b: usize, size: usize): usize {
  const bsize = SIZE(b);
  const rem = bsize - size;
  const h = HEADER(b);
  if (rem < MIN_BLOCK) {
    segRemove(b);
    SETHEADER(b, h | USED);
    SETLEFTUSED(b + bsize);
    return b;
  }
  if (isSmall(size)) {
    const u = b + rem;
    const relist = classOf(rem) != classOf(bsize);  // (the remainder keeps b's address)
    if (relist) segRemove(b);
    SETHEADER(b, <u32>rem | (h & LEFT_USED));
    SETFOOTER(b, rem);
    if (relist) segInsert(b);
    SETHEADER(u, <u32>size | USED);
    SETLEFTUSED(u + size);
    return u;
  }
  const r = b + size;
  SETHEADER(r, <u32>rem | LEFT_USED);
  SETFOOTER(r, rem);
  segRemove(b);                             // (by its old size)
  segInsert(r);
  SETHEADER(b, <u32>size | USED | (h & LEFT_USED));
  return b;
}

/**
 * Segregated fits: whether a request of `size` bytes is no larger than the typical request that
 * splits a block, a running mean of log2(size) over those requests (weight 1/16 for the newest).
 * The first split has no typical request to go by, and counts as large. Requests served whole
 * (a block of their class) do not move the mean, which keeps that path short.
 */
// @ts-ignore: decorator
@inline export function isSmall(size: usize): bool {
  const st = ST();
  const lg = <u32>(32 - clz<u32>(<u32>size)) << 8;
  const typical = st.typicalLog;
  st.typicalLog = typical == 0 ? lg : <u32>(<i32>typical + ((<i32>lg - <i32>typical) >> 4));
  return typical != 0 && lg <= typical;
}

/**
 * Grows the heap by its shortfall and returns a used block of exactly `size` bytes at the end,
 * or 0 when brk cannot move. A free block at the end is extended rather than skipped. No word
 * above the old brk is written except the new epilogue, so a fresh block's payload is zero.
 * The address-ordered policies' growth; the start table must cover it.
 */
export function growFor(size: usize): usize {
  const ep = <usize>ST().brk - EPILOGUE_SIZE;
  if (!ISLEFTUSED(ep)) {
    const last = GETFREELEFT(ep);
    if (!sbrk(size - SIZE(last))) return 0;
    listRemove(last);
    SETHEADER(last, <u32>size | USED | (HEADER(last) & LEFT_USED));
    SETHEADER(last + size, USED | LEFT_USED);
    return last;
  }
  if (!sbrk(size)) return 0;
  SETHEADER(ep, <u32>size | USED | LEFT_USED);  // the old epilogue becomes the new block
  SETHEADER(ep + size, USED | LEFT_USED);
  return ep;
}

/** log2 of END_SLACK_MAX. */
// @ts-ignore: decorator
@inline const END_SLACK_BITS: usize = 14;
/** Segregated fits keep up to this much free space at the heap's end after a growth (16 KiB). */
// @ts-ignore: decorator
@inline export const END_SLACK_MAX: usize = 1 << END_SLACK_BITS;

/**
 * Segregated fits: the bytes to grow the heap's end by for a request of `size` bytes: the
 * shortfall plus a slack of up to min(16 KiB, extent / 16), which stays free at the end. The
 * next requests split it from either end (see place), so small and large blocks do not
 * interleave, and a block that ends the heap can grow in place.
 */
// @ts-ignore: decorator
@inline export function endGrowth(size: usize): usize {
  const st = ST();
  let slack = (<usize>(st.brk - st.heapStart) >> 4) & ~AL_MASK;
  if ((slack >> END_SLACK_BITS) != 0) slack = END_SLACK_MAX;   // (a shift: a byte shorter than a compare with 2^14)
  return size > slack ? size : slack;
}

/**
 * Makes the heap end in a free block of `want` bytes (at least `size`) and returns it, or 0
 * when the heap cannot grow. When it cannot grow by `want`, it grows by `size`. Every free block
 * is smaller than `size`, the last one included. Only the free block's header, links and footer
 * are written above the old brk. The growth of segregated fits, and of the start table's chunks.
 */
export function growEnd(size: usize, want: usize): usize {
  const st = ST();
  const ep = <usize>st.brk - EPILOGUE_SIZE;
  let b = ep;
  let have: usize = 0;
  if (!ISLEFTUSED(ep)) {
    b = GETFREELEFT(ep);
    have = SIZE(b);
  }
  if (sbrk(want - have) == 0) {
    if (want == size || sbrk(size - have) == 0) return 0;
    want = size;
  }
  if (have != 0) {
    listRemove(b);
    SETHEADER(b, <u32>want | (HEADER(b) & LEFT_USED));
  } else {
    SETHEADER(b, <u32>want | LEFT_USED);
  }
  SETFOOTER(b, want);
  SETHEADER(b + want, USED);                // the epilogue; its left neighbour is free
  listInsert(b);
  return b;
}

/**
 * A free block of at least `size` bytes whose start the start table covers, or 0: where malloc
 * turns when the table cannot grow to cover the block its policy picked. Walks the free blocks
 * (a rare path, at the heap's limit); under segregated fits, the classes from the request's up.
 */
export function findCoveredFit(size: usize): usize {
  if (POLICY() == Policy.SEGREGATED) return findSegCovered(size);
  const s = SENTINEL();
  for (let b = NEXT(s); b != s; b = NEXT(b)) {
    if (SIZE(b) >= size && isCoveredAt(b)) return b;
  }
  return 0;
}
