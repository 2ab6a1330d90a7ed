// The start table: the exact answer to "is this the payload of a live block?", kept outside the
// heap's block sequence, and touched only when a block becomes used or stops being used.
//
// Heap offsets (o = block - heapStart, always a multiple of 8) are cut into windows of 64
// bytes. Each window has a nibble, two to a table byte (the lower nibble for the even window):
// 0 when no used block starts in it, else 1 + (the offset of the first used block that starts in
// it, within the window) / 8. Blocks are at least 16 bytes, so at most 4 start in a window; from
// the one the nibble names, the rest are found in at most three steps through their headers,
// free blocks' included, all within the window:
//
//   window w = o >> 6          ┌─── 64 bytes ───┐
//   nibble: 1 + (s & 63) / 8, where s is the first used block in w
//             ... │free │  used s │ free │  used   ...
//                         ^ s       ^ s + SIZE(s)      a pointer p is a block's payload exactly
//                                                      when the steps from s land on p - 4
//
// Only real headers are read, from a start the table vouches for, so payload bytes forged to
// look like a header are never followed, and `free(ptr)` is checked exactly: a used block at
// ptr - 4 is valid, a free one a double free, anything else (inside a payload, a header that
// merged away, outside the heap, an internal block) an invalid pointer. Free blocks are not
// recorded, so splitting and merging free space never touches the table: malloc records its
// block when it comes first in its window (a compare), and free, when the block it frees was the
// first, steps to the next used one in the window. The table costs 1/128 of the heap it covers.
//
// The table covers the heap offsets [0, bytes × 128):
//
//   at first      the 8 KiB table inline in the state covers the first 1 MiB
//   as it grows   one chunk, an internal used block: [header][8-byte prefix][table ...]
//
// When a used block is about to start past the covered offsets, the table moves to a larger chunk
// (at least 1.25 times as many windows, and enough for the heap's end): taken from a free
// block when one fits, else from new heap at the end. The old bytes are copied, and the old
// chunk is freed like any block. A block that grows in place starts no block, so it needs no
// coverage: the heap may reach past the table. The prefix keeps a free block's links intact
// while the table is written into it, before the block is split.
//
// Invariant (I13): for every covered window, the nibble names the first used block that starts
// in it (not the prologue), or is 0 when none does.
// Invariant (I14): the table covers at least the first 1 MiB and every used block's start (a free
// block may lie past it); it is the state's inline table or the payload of the chunk, a used
// block large enough for it.

import { FLAGS_MASK } from "./block";
import { MINIMAL } from "./common";
import { START_TABLE0, START_WINDOWS0, ST } from "./state";

/**
 * Whether the pointer checks are compiled in. Only the benchmark's "unchecked" build (asc
 * --use WASMALLOC_UNCHECKED=1) leaves them out, to measure what they cost; it trusts every
 * pointer it is given and must never be shipped.
 */
// @ts-ignore: decorator
@inline export const GUARDS: bool = !isDefined(WASMALLOC_UNCHECKED);

/**
 * Whether a table entry is a nibble (two windows of 64 bytes to a byte). The minimal build, made
 * for size, keeps a byte per window of 256 bytes instead: less code, up to 16 steps a check.
 */
// @ts-ignore: decorator
@inline const NIBBLES: bool = !MINIMAL;
/** log2 of the heap bytes one table byte covers. */
// @ts-ignore: decorator
@inline export const WINDOW_BITS: u32 = NIBBLES ? 7 : 8;
/** log2 of a window's bytes: the span of one entry. */
// @ts-ignore: decorator
@inline export const SLOT_BITS: u32 = NIBBLES ? 6 : 8;
/** The bits of an entry. */
// @ts-ignore: decorator
@inline const ENTRY_MASK: u32 = NIBBLES ? 15 : 255;
/** Bytes of a chunk's payload before its table (a free block's links, while it becomes the chunk). */
// @ts-ignore: decorator
@inline export const CHUNK_PREFIX: usize = 8;

/** The table byte that holds offset `o`'s window. Only valid when o is covered. */
// @ts-ignore: decorator
@inline function ENTRY(o: usize): usize {
  return <usize>ST().table + (o >> WINDOW_BITS);
}

/** The shift of offset `o`'s nibble within its table byte: 0 or 4. */
// @ts-ignore: decorator
@inline function SHIFT(o: usize): u32 {
  return NIBBLES ? <u32>(o >> (SLOT_BITS - 2)) & 4 : 0;
}

/** The nibble's value for a block at offset `o`: 1 + its 8-byte step within its window. */
// @ts-ignore: decorator
@inline function POS(o: usize): u32 {
  return <u32>((o & ((1 << SLOT_BITS) - 1)) >> 3) + 1;
}

/** Whether offset `o` is covered by the table (an offset below the heap's start wraps, and is not). */
// @ts-ignore: decorator
@inline export function isCovered(o: usize): bool {
  return (o >> WINDOW_BITS) < <usize>ST().windows;
}

/** Whether the table covers the window of heap address `a` (which must not lie below the heap). */
// @ts-ignore: decorator
@inline export function isCoveredAt(a: usize): bool {
  return isCovered(a - <usize>ST().heapStart);
}

/** The address where the covered offsets end: every used block starts below it (I14). */
// @ts-ignore: decorator
@inline export function coveredEnd(): u64 {
  const st = ST();
  return <u64>st.heapStart + (<u64>st.windows << WINDOW_BITS);
}

/**
 * Records that the block at `b`, which must be covered, is now used: a compare, and a store when
 * it comes first in its window.
 */
// @ts-ignore: decorator
@inline export function SETSTART(b: usize): void {
  if (!GUARDS) return;
  if (MINIMAL) setStartCall(b);             // one copy of the code, for size
  else setStartInline(b);
}

function setStartCall(b: usize): void { setStartInline(b); }

// @ts-ignore: decorator
@inline function setStartInline(b: usize): void {
  const o = b - <usize>ST().heapStart;
  const a = ENTRY(o);
  const byte = <u32>load<u8>(a);
  const shift = SHIFT(o);
  const e = (byte >> shift) & ENTRY_MASK;
  const pos = POS(o);
  if (e == 0 || pos < e) store<u8>(a, <u8>((byte & ~(ENTRY_MASK << shift)) | (pos << shift)));
}

/**
 * Records that the used block at `b` stops being used (it is being freed). Call it while its
 * header still holds its size: when it was the first used block of its window, the next used
 * block in the window (at most three header steps on) takes its place, or none does.
 */
// @ts-ignore: decorator
@inline export function CLEARSTART(b: usize): void {
  if (!GUARDS) return;
  if (MINIMAL) clearStartCall(b);           // one copy of the code, for size
  else clearStartInline(b);
}

function clearStartCall(b: usize): void { clearStartInline(b); }

// @ts-ignore: decorator
@inline function clearStartInline(b: usize): void {
  const o = b - <usize>ST().heapStart;
  const a = ENTRY(o);
  const byte = <u32>load<u8>(a);
  const shift = SHIFT(o);
  if (((byte >> shift) & ENTRY_MASK) == POS(o)) store<u8>(a, <u8>((byte & ~(ENTRY_MASK << shift)) | (nextUsedIn(b, o) << shift)));
}

/**
 * free's look-up (nibble tables only): 0 when no block starts at `b`, 1 when one does but is
 * not the first used block of its window, 2 when it is the first. Its header still has to be
 * read: a block the steps reach may be free.
 */
// @ts-ignore: decorator
@inline export function STARTKIND(b: usize): u32 {
  const o = b - <usize>ST().heapStart;
  if (!isCovered(o)) return 0;
  const e = (<u32>load<u8>(ENTRY(o)) >> SHIFT(o)) & ENTRY_MASK;
  const pos = POS(o);
  if (e == pos) return 2;
  if (e == 0 || e > pos) return 0;
  return reachesInline(b - (o & ((1 << SLOT_BITS) - 1)) + ((<usize>e - 1) << 3), b) ? 1 : 0;
}

/**
 * Records that the used block at `b`, which STARTKIND found first in its window, stops being
 * used: the next used block in the window takes its place, or none does.
 */
// @ts-ignore: decorator
@inline export function CLEARFIRST(b: usize): void {
  const o = b - <usize>ST().heapStart;
  const a = ENTRY(o);
  const shift = SHIFT(o);
  store<u8>(a, <u8>((<u32>load<u8>(a) & ~(ENTRY_MASK << shift)) | (nextUsedIn(b, o) << shift)));
}

/** The nibble for the first used block after `b` (at offset `o`) in its window, or 0. */
// @ts-ignore: decorator
@inline function nextUsedIn(b: usize, o: usize): u32 {
  const st = ST();
  const start = <usize>st.heapStart;
  const ep = <usize>st.brk - 4;             // the epilogue: used, but not a block
  const w = o >> SLOT_BITS;
  let n = b + (<usize>load<u32>(b) & ~FLAGS_MASK);
  while (n != ep && ((n - start) >> SLOT_BITS) == w) {
    const h = load<u32>(n);
    if ((h & 1) != 0) return POS(n - start);
    const z = <usize>h & ~FLAGS_MASK;
    if (z == 0) break;                      // (a corrupted header: the checker will say so)
    n += z;
  }
  return 0;
}

/**
 * Whether a block starts at `b` (at or after the first used block of its window, below the
 * epilogue): the table's first used start in b's window, then at most three header steps. Exact
 * while the headers are intact; a zero size (a corrupted header) ends the steps. A free block
 * before its window's first used block is not found here: see startBefore.
 */
// @ts-ignore: decorator
@inline export function ISSTART(b: usize): bool {
  const st = ST();
  const o = b - <usize>st.heapStart;
  if (!isCovered(o)) return false;
  const a = ENTRY(o);
  // Shared build: a check made without the lock may read the table's address mid-move; it must
  // not load outside memory (its answer is then discarded, see shared.ts). The bound is brk, in
  // the shared state, not memory.size(): an instance on another thread may still see the size
  // from before a growth, and the table's chunk may lie in the memory that growth added (which
  // refused live blocks now and then). Every table byte lies below brk.
  if (ASC_FEATURE_THREADS && a >= <usize>st.brk) return false;
  const e = (<usize>load<u8>(a) >> SHIFT(o)) & ENTRY_MASK;
  if (e == 0) return false;
  const s = b - (o & ((1 << SLOT_BITS) - 1)) + ((e - 1) << 3);
  return s == b || REACHES(s, b);           // the first used block in its window, or a few steps on
}

/**
 * Whether steps through the headers from the block start `s` land on `b`. A zero size (a
 * corrupted header) ends them; every read lies below b.
 */
// @ts-ignore: decorator
@inline export function REACHES(s: usize, b: usize): bool {
  return MINIMAL ? reachesCall(s, b) : reachesInline(s, b);   // the minimal build keeps one copy
}

function reachesCall(s: usize, b: usize): bool { return reachesInline(s, b); }

// @ts-ignore: decorator
@inline function reachesInline(s: usize, b: usize): bool {
  while (s < b) {
    const z = <usize>load<u32>(s) & ~FLAGS_MASK;
    if (z == 0) return false;
    s += z;
  }
  return s == b;
}

/** The nibble of window `w` (a covered window index from the heap's start). */
export function windowEntry(w: usize): u32 {
  if (!NIBBLES) return <u32>load<u8>(<usize>ST().table + w);
  return (<u32>load<u8>(<usize>ST().table + (w >> 1)) >> (<u32>(w & 1) << 2)) & 15;
}

/** The nibble that a window whose first used block is at offset `o` must hold. */
export function windowPos(o: usize): u32 {
  return POS(o);
}

/**
 * A block start at or below `b` (a heap address past the first block) from which steps through
 * the headers reach `b` when a block starts there: the first used block of the nearest covered
 * window at or before b's that has one, else the first block. For telling a double free from an
 * invalid pointer, once a pointer is refused.
 */
export function startBefore(b: usize): usize {
  const st = ST();
  const start = <usize>st.heapStart;
  let w = (b - start) >> SLOT_BITS;
  const last = (<usize>st.windows << (WINDOW_BITS - SLOT_BITS)) - 1;   // (the heap may reach past the table)
  if (w > last) w = last;
  while (true) {
    const e = <usize>windowEntry(w);
    if (e != 0) {
      const s = start + (w << SLOT_BITS) + ((e - 1) << 3);
      if (s <= b) return s;
    }
    if (w == 0) return start + 8;           // the block after the prologue
    w -= 1;
  }
  return start + 8;
}

/** Whether the used block at `b` is the table's chunk. */
// @ts-ignore: decorator
@inline export function isChunk(b: usize): bool {
  return GUARDS && b == <usize>ST().tableBlock;
}

/**
 * Makes `table` (in the chunk `block`, 0 for the state's own table) the start table, covering
 * `windows` windows: zeroes it and copies the current table's bytes, which it must not overlap.
 */
export function moveTable(table: usize, windows: u32, block: usize): void {
  const st = ST();
  const have = st.windows;
  memory.copy(table, <usize>st.table, <usize>have);
  memory.fill(table + <usize>have, 0, <usize>(windows - have));
  st.table = <u32>table;
  st.windows = windows;
  st.tableBlock = <u32>block;
  if (!MINIMAL) st.tableMoves += 1;         // (only calloc reads it, and the minimal one clears all)
}

/** Sets the table up: the one inline in the state, covering the first 1 MiB, all zero. */
export function setupStarts(): void {
  const st = ST();
  st.windows = 0;
  moveTable(START_TABLE0(), START_WINDOWS0, 0);
}
