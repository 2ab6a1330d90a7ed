// Placing a request: the policy's search (fit/policy.ts), the split of the block it picks, and the
// growth of the heap's end when nothing fits (segregated fits' own split and growth rule are in
// fit/segregated.ts).

import { Coalesce } from "./common";
import {
  EPILOGUE_SIZE, HEADER, ISLEFTUSED, LEFT_USED, MIN_BLOCK, SETFOOTER, SETHEADER, SETLEFTUSED, SIZE,
  USED, GETFREELEFT,
} from "./block";
import { sbrk } from "./brk";
import { coalesceAll } from "./coalesce";
import { AFTER_SPLIT, AFTER_TAKE, findFit, listInsert, listRemove, listReplace } from "./fit/policy";
import { classOf, isSmall } from "./fit/segregated";
import { COALESCING, ST } from "./state";

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
    AFTER_SPLIT(st, r);
    SETHEADER(b, <u32>size | USED | (HEADER(b) & LEFT_USED));
  } else {
    AFTER_TAKE(st, b);
    listRemove(b);
    SETHEADER(b, HEADER(b) | USED);
    SETLEFTUSED(b + bsize);
  }
  return b;
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
