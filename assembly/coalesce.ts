// Coalescing: how a block becomes free, immediately merged with its free neighbours or left for
// a later merge pass. Free blocks have no bit in the start table (starts.ts), so merging never
// touches it.

import { Coalesce, MINIMAL } from "./common";
import {
  CLEARLEFTUSED, EPILOGUE_SIZE, FLAGS_MASK, GETFREELEFT, HEADER, ISUSED, LEFT_USED, NEXT, PROLOGUE_SIZE, SETFOOTER,
  SETHEADER, SIZE, USED,
} from "./block";
import { isHead, sameClass, segInsert, segRemove, segReplaceHead } from "./fit/segregated";
import { COALESCING, SENTINEL, ST } from "./state";
import { CLEARSTART } from "./starts";
import { SEGREGATED, listInsert, listRemove, listReplace } from "./fit/policy";

/**
 * Takes back the used block `b` (freed, given up by a pool or an arena, or left behind by a move):
 * its record in the start table goes first, while its header still holds its size and before a
 * merge can absorb it (starts.ts, CLEARSTART), then release merges and lists it. Every block
 * that stops being used goes through here, except on free's fast path (free.ts), which reads the
 * table once for its check and its update. The caller has taken `b` out of the used statistics.
 */
export function retire(b: usize): void {
  CLEARSTART(b);
  release(b);
}

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
    releaseSegCall(b);
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
 * and lists the result in its class. Inlined into free's fast path; one copy elsewhere.
 */
// @ts-ignore: decorator
@inline export function releaseSeg(b: usize): void {
  if (MINIMAL) releaseSegCall(b);           // one copy, for size
  else releaseSegInline(b);
}

/** releaseSeg's one copy outside free's fast path: release's, and the minimal build's. */
export function releaseSegCall(b: usize): void {
  if (MINIMAL) releaseSegShort(b);
  else releaseSegInline(b);
}

/**
 * releaseSeg's steps: the free neighbours are taken out of their lists (by their old sizes),
 * the merged block is written and put at the head of its class list. The minimal build's, for
 * size; the others take a shortcut to the same lists (releaseSegInline).
 */
// @ts-ignore: decorator
@inline function releaseSegShort(b: usize): void {
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
 * Loads the word at `a` and drops it: a prefetch, which wasm lacks. The block freed here joins
 * a free block on its right with a used one on its left: one step of a run freed from the top
 * down, which is how the blocks that the two-ended split carves from a block's high end (place.ts)
 * come back when a program frees oldest first, as every recorded trace does at its end. The next
 * blocks of such a run lie just below, and their headers' lines are seldom in cache: those
 * frees miss as often as dlmalloc's, but in a falling order (npm run bench:free-lines). Touching
 * the two lines below now overlaps those misses with this free and the next ones: with one line,
 * the frees at the end of jq-json, python-ast and python-lru ran 1.03–1.08× as fast; the second
 * line took them a further 1.03–1.11×, 1.02–1.04× and 1.04–1.08×; nothing else changed by more
 * than the spread (bench/RESULTS.md, 2026-11-29). A third line added nothing. Binaryen and V8
 * keep a load whose value is unused, since it may trap; these cannot: `b` is a block of the
 * heap, which starts kilobytes past its state's address (the state and the tables come first).
 */
// @ts-ignore: decorator
@inline function touch(a: usize): void { load<u32>(a); }

/** A cache line's bytes: free touches the two lines below the block (see touch). */
// @ts-ignore: decorator
@inline const TOUCH_BELOW: usize = 64;

/**
 * The touch for runs freed from the bottom up: the blocks that the two-ended split carves from a
 * block's low end (the larger requests) come back so when a program frees oldest first. The
 * freed block `b` has merged with its free left neighbour, and its right neighbour `right` is
 * used: the next free of the run is `right`'s, which reads the header after it. Those blocks lie
 * hundreds of bytes apart (only the larger requests are there), too far apart for the hardware's
 * prefetchers to follow (jq-json: 27,000 of the 91,000 frees at its end merge so). When `b` is
 * the block that the last such free left as its right neighbour (the state's runNext, a hint:
 * any value is safe), this is a run, and it touches the two lines where the next header lies if
 * `right` is as large as `b`. Frees outside a run touch nothing. The frees ending jq-json ran
 * 1.20–1.26× as fast, the whole trace 1.07–1.08×; the frees ending awk-wordfreq 0.95–0.96×
 * (within their quartiles), the rest within the spread (bench/RESULTS.md, 2026-11-29). Both
 * loads end at or below brk, so they stay in memory: blocks start at 4 (mod 8) and brk is a
 * multiple of 8, so guess < brk - 64 puts guess + 64 at brk - 4 or below (a guess that wraps past
 * 2^32 is a low address, also in memory; the epilogue as `right` puts guess past brk).
 */
// @ts-ignore: decorator
@inline function touchRisingRun(b: usize, right: usize): void {
  const st = ST();
  const guess = right + (right - b);
  if (b == <usize>st.runNext && guess < <usize>st.brk - TOUCH_BELOW) {
    touch(guess);
    touch(guess + TOUCH_BELOW);
  }
  st.runNext = <u32>right;
}

/**
 * releaseSegShort's outcome, with a shortcut: when a free neighbour heads its class list and the
 * merged block stays in that class, the merged block takes its place at the head (a free left
 * neighbour simply grows), and no count, bitmap bit or other list is touched. The lists end as
 * releaseSegShort leaves them, so that every build places alike. This is the usual free of a
 * small block beside a large free one.
 */
// @ts-ignore: decorator
@inline function releaseSegInline(b: usize): void {
  let start = b;
  let size = SIZE(b);
  const right = b + size;
  const rh = HEADER(right);
  let flags = HEADER(b) & LEFT_USED;
  let keep: usize = 0;                      // the free neighbour whose place at its list's head the merged block may take
  let keepSize: usize = 0;
  if (flags == 0) {
    start = GETFREELEFT(b);
    const lh = HEADER(start);
    flags = lh & LEFT_USED;
    keepSize = <usize>(lh & ~FLAGS_MASK);
    keep = start;
    size += keepSize;
  }
  if ((rh & USED) == 0) {
    const rsize = <usize>(rh & ~FLAGS_MASK);
    size += rsize;
    if (keep == 0) {
      touch(b - TOUCH_BELOW);               // (see touch: a run freed from the top down)
      touch(b - 2 * TOUCH_BELOW);
      keep = right;
      keepSize = rsize;
    } else {
      segRemove(right);
    }
  } else {
    CLEARLEFTUSED(right);
    if (keep != 0) touchRisingRun(b, right);   // merged with its left neighbour alone
  }
  if (keep != 0 && !(isHead(keep) && sameClass(keepSize, size))) {
    segRemove(keep);                        // (by its old size: its header is not written yet)
    keep = 0;
  }
  SETHEADER(start, <u32>size | flags);
  SETFOOTER(start, size);
  if (keep == 0) segInsert(start);
  else if (keep != start) segReplaceHead(keep, start);   // (a left neighbour that grew stays the head as it is)
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
