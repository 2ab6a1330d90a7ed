// The address-ordered free list. The chapter's policies (first, next and best fit) share one
// explicit free list, doubly linked through the free payloads, in ascending address order,
// circular through a sentinel in the state. Address order is what lets first fit take the
// lowest address, best fit break ties by address, and deferred coalescing find neighbours by
// looking one link ahead.
//
// Invariant (I10): walking NEXT from the sentinel visits every free block exactly once, in
// ascending address order, and NEXT(PREV(b)) == b for every member. freeBlocks == |list|.

import { NEXT, PREV, SETNEXT, SETPREV } from "../block";
import { SENTINEL, ST } from "../state";

// (The mechanism calls these through fit/policy.ts, listInsert, listRemove and listReplace,
// which send segregated fits to its class lists instead.)

/** Links `b` into the list just before `at` (which may be the sentinel). */
// @ts-ignore: decorator
@inline function linkBefore(at: usize, b: usize): void {
  const p = PREV(at);
  SETNEXT(b, at);
  SETPREV(b, p);
  SETNEXT(p, b);
  SETPREV(at, b);
}

/**
 * Inserts the free block `b` at its place in address order. The walk starts from whichever end
 * of the list is nearer in address, so freeing near either end of the heap is quick.
 */
export function addrInsert(b: usize): void {
  const s = SENTINEL();
  const head = NEXT(s);
  const tail = PREV(s);
  let at: usize;
  if (tail == s || b > tail) {
    at = s;                                 // empty list, or b is the new highest: append
  } else if (b - head <= tail - b) {
    at = head;                              // forwards to the first block above b
    while (at < b) at = NEXT(at);
  } else {
    at = tail;                              // backwards to the block just above b
    while (PREV(at) > b) at = PREV(at);     // (the sentinel lies below the heap, so this stops)
  }
  linkBefore(at, b);
  ST().freeBlocks += 1;
}

/** Unlinks `b`. A rover that pointed at `b` moves on to its successor. */
export function addrRemove(b: usize): void {
  const n = NEXT(b);
  const p = PREV(b);
  SETNEXT(p, n);
  SETPREV(n, p);
  const st = ST();
  if (<usize>st.rover == b) st.rover = <u32>n;
  st.freeBlocks -= 1;
}

/** Puts `nb` where `old` was. Used when a block's start moves but its order does not. */
export function addrReplace(old: usize, nb: usize): void {
  const n = NEXT(old);
  const p = PREV(old);
  SETNEXT(nb, n);
  SETPREV(nb, p);
  SETNEXT(p, nb);
  SETPREV(n, nb);
  const st = ST();
  if (<usize>st.rover == old) st.rover = <u32>nb;
}
