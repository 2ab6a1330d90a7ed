// The one dispatch between the mechanism and the placement policies: which policy the heap
// runs, the policy's search, and the step a policy takes after a placement. The mechanism
// (alloc, place, free, coalesce, guard, check) asks here, never tests a Policy itself; each
// policy's own code is in its file: first.ts, next.ts, best.ts (over the address-ordered list,
// list.ts), and segregated.ts (its class lists, its two-ended split and its growth rule).

import { Coalesce, MINIMAL, Policy } from "../common";
import { NEXT, SIZE } from "../block";
import { isCoveredAt } from "../starts";
import { COALESCING, HeapState, POLICY, SENTINEL, ST } from "../state";
import { findBestFit } from "./best";
import { findFirstFit } from "./first";
import { findNextFit } from "./next";
import { findSegCovered, findSegFit, segInsert, segRemove } from "./segregated";
import { addrInsert, addrRemove, addrReplace } from "./list";

/** Whether the heap places by segregated fits (the default), rather than by one of the chapter's address-ordered policies. */
// @ts-ignore: decorator
@inline export function SEGREGATED(): bool { return POLICY() == Policy.SEGREGATED; }
/**
 * Whether the heap runs segregated fits with immediate coalescing (the defaults, whose free has a
 * fast path): one load of the state's adjacent policy and coalesce words.
 */
// @ts-ignore: decorator
@inline export function SEGREGATED_IMMEDIATE(): bool {
  if (MINIMAL) return COALESCING() == Coalesce.IMMEDIATE;
  return load<u64>(changetype<usize>(ST()) + offsetof<HeapState>("policy")) == (<u64>Coalesce.IMMEDIATE << 32 | <u64>Policy.SEGREGATED);
}
/** Whether the policy number `policy` (a state's, as the checker reads it) is segregated fits. */
// @ts-ignore: decorator
@inline export function isSegregated(policy: u32): bool { return policy == Policy.SEGREGATED; }

/** The step after a placement that split a block and left its free rest `r`: next fit's rover moves there. */
// @ts-ignore: decorator
@inline export function AFTER_SPLIT(st: HeapState, r: usize): void {
  if (POLICY() == Policy.NEXT_FIT) st.rover = <u32>r;
}

/** The step after a placement that took the free block `b` whole: next fit's rover moves past it. */
// @ts-ignore: decorator
@inline export function AFTER_TAKE(st: HeapState, b: usize): void {
  if (POLICY() == Policy.NEXT_FIT) st.rover = <u32>NEXT(b);   // (read only under next fit)
}

/** Links the free block `b` (its header holding its size) into the policy's free lists. */
export function listInsert(b: usize): void {
  if (POLICY() == Policy.SEGREGATED) {
    segInsert(b);
    return;
  }
  addrInsert(b);
}

/** Unlinks the free block `b` (before its size changes) from the policy's free lists. */
export function listRemove(b: usize): void {
  if (POLICY() == Policy.SEGREGATED) {
    segRemove(b);
    return;
  }
  addrRemove(b);
}

/**
 * Puts the free block `nb` where `old` was: in address order the same place (a block's start
 * moved, its order did not); under segregated fits `nb`'s own class, since a different size may
 * be a different class.
 */
export function listReplace(old: usize, nb: usize): void {
  if (POLICY() == Policy.SEGREGATED) {
    segRemove(old);
    segInsert(nb);
    return;
  }
  addrReplace(old, nb);
}

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
