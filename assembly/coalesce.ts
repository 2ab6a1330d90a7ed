// Coalescing: how a block becomes free, immediately merged with its free neighbours or left for
// a later merge pass. A block absorbed by a merge leaves the start bitmap, so a stale pointer to
// it is refused as invalid.

import { Coalesce } from "./common";
import {
  CLEARLEFTUSED, GETFREELEFT, HEADER, ISUSED, LEFT_USED, NEXT, SETFOOTER, SETHEADER, SIZE,
} from "./block";
import { listInsert, listRemove, listReplace } from "./freelist";
import { CLEARSTART } from "./starts";
import { SENTINEL, ST } from "./state";

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
  if (ST().coalesce == Coalesce.DEFERRED) {
    SETHEADER(b, <u32>size | (h & LEFT_USED));
    SETFOOTER(b, size);
    CLEARLEFTUSED(right);
    listInsert(b);
    return;
  }
  const rightFree = !ISUSED(right);
  if ((h & LEFT_USED) == 0) {
    // Cases 3 and 4: the left neighbour is free and stays on the list where it is.
    const left = GETFREELEFT(b);
    size += SIZE(left);
    CLEARSTART(b);                          // an absorbed block is no longer a block
    if (rightFree) {
      size += SIZE(right);
      listRemove(right);
      CLEARSTART(right);
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
    CLEARSTART(right);
  } else {
    // Case 1: both neighbours are used.
    listInsert(b);
    CLEARLEFTUSED(right);
  }
  SETHEADER(b, <u32>size | LEFT_USED);
  SETFOOTER(b, size);
}

/**
 * The deferred merge pass: joins every run of adjacent free blocks. Because the list is in
 * address order, a block's free right neighbour is always its successor on the list.
 * Returns the number of merges made.
 */
export function coalesceAll(): u32 {
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
        CLEARSTART(n);
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
