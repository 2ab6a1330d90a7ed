// Coalescing: how a block becomes free, immediately merged with its free neighbours or left for
// a later merge pass. Free blocks have no bit in the start table (starts.ts), so merging never
// touches it.

import { Coalesce } from "./common";
import {
  CLEARLEFTUSED, EPILOGUE_SIZE, GETFREELEFT, HEADER, ISUSED, LEFT_USED, NEXT, PROLOGUE_SIZE, SETFOOTER,
  SETHEADER, SIZE,
} from "./block";
import { listInsert, listRemove, listReplace } from "./fit/list";
import { segInsert, segRemove } from "./fit/segregated";
import { COALESCING, SENTINEL, ST } from "./state";
import { SEGREGATED } from "./fit/policy";

/**
 * Turns the used block `b` into a free block on the list. Under immediate coalescing it merges
 * with a free left and/or right neighbour (the four cases of the boundary-tag method); under
 * deferred coalescing it is only marked and listed. The caller has already taken `b` out of
 * the used statistics.
 */
export function release(b: usize): void {
  let size = SIZE(b);
  const h = HEADER(b);
  const right = b + size;
  if (COALESCING() == Coalesce.DEFERRED) {
    ST().unmerged = 1;
    SETHEADER(b, <u32>size | (h & LEFT_USED));
    SETFOOTER(b, size);
    CLEARLEFTUSED(right);
    listInsert(b);
    return;
  }
  if (SEGREGATED()) {
    releaseSeg(b);
    return;
  }
  const rightFree = !ISUSED(right);
  if ((h & LEFT_USED) == 0) {
    // Cases 3 and 4: the left neighbour is free and stays on the list where it is.
    const left = GETFREELEFT(b);
    size += SIZE(left);
    if (rightFree) {
      size += SIZE(right);
      listRemove(right);
    }
    SETHEADER(left, <u32>size | (HEADER(left) & LEFT_USED));
    SETFOOTER(left, size);
    CLEARLEFTUSED(left + size);
    return;
  }
  if (rightFree) {
    // Case 2: absorb the right neighbour and take its place on the list.
    size += SIZE(right);
    listReplace(right, b);
  } else {
    // Case 1: both neighbours are used.
    listInsert(b);
    CLEARLEFTUSED(right);
  }
  SETHEADER(b, <u32>size | LEFT_USED);
  SETFOOTER(b, size);
}

/**
 * release under segregated fits and immediate coalescing: merges `b` with its free neighbours
 * and lists the result in its class. Inlined into free's fast path.
 */
// @ts-ignore: decorator
@inline export function releaseSeg(b: usize): void {
  // A merged block changes class: take the neighbours out first, write the merged block, then
  // put it where its new size belongs.
  let size = SIZE(b);
  const h = HEADER(b);
  const right = b + size;
  let start = b;
  let flags = h & LEFT_USED;
  if (flags == 0) {
    start = GETFREELEFT(b);
    segRemove(start);
    size += SIZE(start);
    flags = HEADER(start) & LEFT_USED;
  }
  if (!ISUSED(right)) {
    segRemove(right);
    size += SIZE(right);
  }
  SETHEADER(start, <u32>size | flags);
  SETFOOTER(start, size);
  CLEARLEFTUSED(start + size);
  segInsert(start);
}

/**
 * The deferred merge pass: joins every run of adjacent free blocks. Because the list is in
 * address order, a block's free right neighbour is always its successor on the list.
 * Returns the number of merges made.
 */
export function coalesceAll(): u32 {
  ST().unmerged = 0;
  if (SEGREGATED()) return coalesceAllSegregated();
  const s = SENTINEL();
  let merges: u32 = 0;
  let b = NEXT(s);
  while (b != s) {
    let size = SIZE(b);
    let n = NEXT(b);
    if (b + size == n) {                    // the sentinel lies below the heap: never adjacent
      do {
        size += SIZE(n);
        listRemove(n);
        merges += 1;
        n = NEXT(b);
      } while (b + size == n);
      SETHEADER(b, <u32>size | (HEADER(b) & LEFT_USED));
      SETFOOTER(b, size);
    }
    b = n;
  }
  return merges;
}

/** The merge pass for the segregated policy, whose lists are not in address order: a heap walk. */
function coalesceAllSegregated(): u32 {
  const st = ST();
  const ep = <usize>st.brk - EPILOGUE_SIZE;
  let merges: u32 = 0;
  let b = <usize>st.heapStart + PROLOGUE_SIZE;
  while (b != ep) {
    let size = SIZE(b);
    if (!ISUSED(b) && !ISUSED(b + size)) {  // the epilogue is used, so this stops at the end
      segRemove(b);
      do {
        const r = b + size;
        segRemove(r);
        size += SIZE(r);
        merges += 1;
      } while (!ISUSED(b + size));
      SETHEADER(b, <u32>size | (HEADER(b) & LEFT_USED));
      SETFOOTER(b, size);
      segInsert(b);
    }
    b += size;
  }
  return merges;
}
