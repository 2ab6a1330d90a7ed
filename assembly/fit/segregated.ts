// Segregated fits: one free list per size class, doubly linked through the free payloads
// (the same NEXT and PREV words as the address-ordered list), with a bitmap of non-empty classes
// so that the next class with a block is found in O(1).
//
// Classes: below 256 bytes one class per block size (16, 24, … 248: every block fits exactly);
// from 256 up, 8 classes per power of two (TLSF's second level), so a class spans 1/8 of its
// octave. A search takes the best fit within the request's own class, and if that class has no
// block large enough, the best fit in the next non-empty class, whose every block fits.
// Lists are LIFO: insertion and removal are O(1).
//
// Invariant (I10, segregated): each class list holds exactly the free blocks of its class, with
// PREV(NEXT(b)) == b; a class's bit is set exactly when its list is not empty.

import {
  HEADER, LEFT_USED, MIN_BLOCK, NEXT, NEXT_OFFSET, PREV, PREV_OFFSET, SETFOOTER, SETHEADER, SETLEFTUSED, SETNEXT, SETPREV, SIZE, USED,
} from "../block";
import { AL_MASK, MINIMAL } from "../common";
import { SEG_CLASSES, SEG_HEADS, SEG_MAP, SEG_MAP_BYTES, ST } from "../state";
import { isCoveredAt } from "../starts";

/** Words of the bitmap of non-empty classes. */
// @ts-ignore: decorator
@inline const MAP_WORDS: u32 = (SEG_CLASSES + 31) >> 5;

/** The class of a block of `size` bytes (a multiple of 8, at least 16). */
// @ts-ignore: decorator
@inline export function classOf(size: usize): u32 {
  return MINIMAL ? classOfCall(size) : classOfInline(size);   // the minimal build keeps one copy
}

function classOfCall(size: usize): u32 { return classOfInline(size); }

// @ts-ignore: decorator
@inline function classOfInline(size: usize): u32 {
  // Both formulas, then a select, not a branch: with sizes on both sides of 256 from call to call,
  // the branch was mispredicted often. Below 256 the second is garbage, never used (the | 255
  // keeps its shift in range); from 256 up the | 255 leaves the top bit alone.
  const fl = <u32>(31 - clz<u32>(<u32>size | 255));
  return select<u32>(<u32>(size >> 3), 32 + ((fl - 8) << 3) + ((<u32>size >> (fl - 3)) & 7), size < 256);
}

/**
 * A fake block whose PREV word is the word of padding after the bitmap: the list updates store
 * a PREV there, rather than test whether the block they would store it in exists. Nothing reads
 * that word. (A branch on a neighbour's presence was mispredicted a third of the time with
 * blocks of many sizes; bench/RESULTS.md, 2026-11-30.)
 */
// @ts-ignore: decorator
@inline function SINK(): usize { return SEG_MAP() + SEG_MAP_BYTES - 4 - PREV_OFFSET; }

// @ts-ignore: decorator
@inline function HEAD(c: u32): usize { return <usize>load<u32>(SEG_HEADS() + (<usize>c << 2)); }
// @ts-ignore: decorator
@inline function SETHEAD(c: u32, b: usize): void { store<u32>(SEG_HEADS() + (<usize>c << 2), <u32>b); }

/** Links the free block `b` into its class (its header must hold its size). Inlined: it is on every free. */
// @ts-ignore: decorator
@inline function segInsertInline(b: usize): void {
  const c = classOf(SIZE(b));
  const head = HEAD(c);
  SETNEXT(b, head);
  SETPREV(b, 0);
  SETPREV(select<usize>(head, SINK(), head != 0), b);   // the old head's PREV, or the sink
  SETHEAD(c, b);
  const word = SEG_MAP() + (<usize>(c >> 5) << 2);
  store<u32>(word, load<u32>(word) | (<u32>1 << (c & 31)));
  ST().freeBlocks += 1;
}

/** Unlinks the free block `b` from its class (before its size changes). Inlined: it is on every malloc. */
// @ts-ignore: decorator
@inline function segRemoveInline(b: usize): void {
  const c = classOf(SIZE(b));
  const n = NEXT(b);
  const p = PREV(b);
  // p's NEXT or the class's head, then n's PREV or the sink; the class's bit goes when b was
  // its only block (no neighbour either side). Stores to chosen addresses, not branches: with
  // blocks of many sizes, which case holds changes from call to call (see SINK).
  store<u32>(select<usize>(p + NEXT_OFFSET, SEG_HEADS() + (<usize>c << 2), p != 0), <u32>n);
  SETPREV(select<usize>(n, SINK(), n != 0), p);
  const word = SEG_MAP() + (<usize>(c >> 5) << 2);
  store<u32>(word, load<u32>(word) & ~(<u32>((p | n) == 0) << (c & 31)));
  ST().freeBlocks -= 1;
}

/**
 * Whether blocks of `a` and `b` bytes (b at least 16) are in the same class: a shift and a
 * compare where classOf takes a dozen operations. False below 256 bytes, where each size is its
 * own class (and for two equal sizes there, which no caller asks about).
 */
// @ts-ignore: decorator
@inline export function sameClass(a: usize, b: usize): bool {
  const s = <usize>(28 - clz<u32>(<u32>b));  // b's octave, cut in eighths (classOfInline)
  return a >= 256 && (a >> s) == (b >> s);
}

/**
 * Puts the free block `b` at the head of its class list in place of the free block `old`, the
 * head of the same class (sameClass of their sizes): the list and the bitmap end as segRemove(old)
 * then segInsert(b) would leave them, in a few stores. old's header must still hold its size (or
 * another of its class).
 */
// @ts-ignore: decorator
@inline export function segReplaceHead(old: usize, b: usize): void {
  const n = NEXT(old);
  SETNEXT(b, n);
  SETPREV(b, 0);
  SETHEAD(classOf(SIZE(old)), b);
  SETPREV(select<usize>(n, SINK(), n != 0), b);
}

/** Whether the free block `b` is the head of its class list (a head has no previous block). */
// @ts-ignore: decorator
@inline export function isHead(b: usize): bool { return PREV(b) == 0; }

/** segInsert's and segRemove's one copy in the minimal build, which is built for size. */
function segInsertCall(b: usize): void { segInsertInline(b); }
function segRemoveCall(b: usize): void { segRemoveInline(b); }

/** Links the free block `b` into its class (its header must hold its size). */
// @ts-ignore: decorator
@inline export function segInsert(b: usize): void {
  if (MINIMAL) segInsertCall(b);
  else segInsertInline(b);
}

/** Unlinks the free block `b` from its class (before its size changes). */
// @ts-ignore: decorator
@inline export function segRemove(b: usize): void {
  if (MINIMAL) segRemoveCall(b);
  else segRemoveInline(b);
}

/** The first non-empty class at or above `from`, or SEG_CLASSES. */
function nextClass(from: u32): u32 {
  if (from >= SEG_CLASSES) return SEG_CLASSES;
  const w = from >> 5;
  const bits = load<u32>(SEG_MAP() + (<usize>w << 2)) & (<u32>-1 << (from & 31));
  if (bits != 0) return (w << 5) + <u32>ctz<u32>(bits);
  for (let w2 = w + 1; w2 < MAP_WORDS; w2++) {
    const m = load<u32>(SEG_MAP() + (<usize>w2 << 2));
    if (m != 0) return (w2 << 5) + <u32>ctz<u32>(m);
  }
  return SEG_CLASSES;
}

/** The smallest block of at least `size` bytes in class `c`'s list, or 0. */
function bestIn(c: u32, size: usize): usize {
  let best: usize = 0;
  let bestSize: usize = <usize>-1;
  for (let b = HEAD(c); b != 0; b = NEXT(b)) {
    const s = SIZE(b);
    if (s >= size && s < bestSize) {
      best = b;
      bestSize = s;
      if (s == size) break;
    }
  }
  return best;
}

/** A free block of at least `size` bytes: the best fit in its class, else in the next non-empty one. */
export function findSegFit(size: usize): usize {
  return findSegFitInline(size);
}

/** findSegFit, inlined into malloc's fast path. */
// @ts-ignore: decorator
@inline export function findSegFitInline(size: usize): usize {
  const c = classOf(size);
  if (!MINIMAL && c < 32) {                 // (a shortcut; the minimal build takes bestIn's first step)
    const exact = HEAD(c);                  // below 256 bytes a class holds one size: any block fits
    if (exact != 0) return exact;
  } else {
    const b = bestIn(c, size);
    if (b != 0) return b;
  }
  const next = nextClass(c + 1);
  return next < SEG_CLASSES ? bestIn(next, size) : 0;
}

/**
 * The first free block of at least `size` bytes whose start the start table covers, from the
 * request's class up, or 0 (place.ts, findCoveredFit).
 */
export function findSegCovered(size: usize): usize {
  for (let c = nextClass(classOf(size)); c < SEG_CLASSES; c = nextClass(c + 1)) {
    for (let b = HEAD(c); b != 0; b = NEXT(b)) {
      if (SIZE(b) >= size && isCoveredAt(b)) return b;
    }
  }
  return 0;
}

/** The largest free block: the largest in the highest non-empty class. */
export function segLargest(): usize {
  let w = MAP_WORDS;
  let m: u32 = 0;
  while (m == 0) {
    if (w == 0) return 0;
    w -= 1;
    m = load<u32>(SEG_MAP() + (<usize>w << 2));
  }
  const c = (w << 5) + 31 - <u32>clz<u32>(m);
  let best: usize = 0;
  let steps = ST().freeBlocks;
  for (let b = HEAD(c); b != 0 && steps != 0; b = NEXT(b), steps--) {
    if (SIZE(b) > best) best = SIZE(b);
  }
  return best;
}

/** Clears every class list (setting a heap up). */
export function segSetup(): void {
  memory.fill(SEG_HEADS(), 0, (<usize>SEG_CLASSES << 2) + SEG_MAP_BYTES);
}

/** Class `c`'s list head, for the checker. */
export function segHead(c: u32): usize { return HEAD(c); }
/** Whether class `c`'s bit is set, for the checker. */
export function segBit(c: u32): bool { return (load<u32>(SEG_MAP() + (<usize>(c >> 5) << 2)) >> (c & 31) & 1) != 0; }

// ─── Placing under segregated fits: the two-ended split and the growth rule ──────────────────────

/**
 * place under segregated fits (twoEnded set), inlined into malloc's fast path: the same steps
 * with the class lists' own insert and remove, and the same lists after them. (place keeps its
 * own copy: place calling this one instead measured 142 bytes more in the minimal build, past
 * its 4,000, and 960 more in the release build, on 2026-11-29.)
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
    const relist = !sameClass(rem, bsize);  // (the remainder keeps b's address)
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
  if (isHead(b) && sameClass(rem, bsize)) segReplaceHead(b, r);   // (b's header still holds its old size)
  else {
    segRemove(b);
    segInsert(r);
  }
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
