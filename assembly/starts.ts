// The start table: the exact answer to "does a block start at this address?".
//
// Heap offsets (o = block - heapStart, always a multiple of 8) are cut into windows of 256
// bytes. Each window has one byte: 0 when no block starts in it, else 1 + (the offset of the
// first block that starts in it, within the window) / 8. Blocks are at least 16 bytes, so at
// most 16 start in a window, and the rest are found by stepping through their headers:
//
//   window w = o >> 8          ┌──── 256 bytes ────┐
//   table byte: 1 + (s & 255) / 8, where s is the first start in w
//             ... │ blk │  block  │ blk │  block  ...
//                       ^ s        ^ s + SIZE(s)     a pointer p is a block's payload exactly
//                                                    when the steps from s land on p - 4
//
// Only real headers are read, from a start the table vouches for, so payload bytes forged to
// look like a header are never followed, and `free(ptr)` is checked exactly: a used block at
// ptr - 4 is valid, a free one a double free, anything else (inside a payload, a header that
// merged away, outside the heap, a table chunk) an invalid pointer. The table costs 1/256 of
// the heap it covers; a bitmap of one bit per 8 bytes would cost 1/64.
//
// Every block is recorded: user blocks, used and free, and the table's own chunks. The prologue
// and the epilogue are not. The offsets are cut into ranges that never move once they have a
// table:
//
//   range 0                  [0, 256 KiB)             its 1 KiB table lives in the state
//   ranges 1 + 4(f-18) + s   [2^f + s 2^(f-2), +2^(f-2))  for f = 18..31, s = 0..3
//
// A range's table (range size / 256 bytes) lives in a chunk: an internal used block whose
// payload is a tag word (CHUNK_TAG ^ r), a padding word, then the table. A chunk is allocated
// when a block is first about to start in the range (taken from a free block when one fits,
// rather than from the heap's end, where it would split free space that could merge), and never
// moves. A block that grows in place starts no block, so it needs no new range. The directory
// holds each range's bias, the address that makes (bias + (o >> 8)) the byte of offset o.
//
// Invariant (I13): for every window of a covered range, the byte names the first block that
// starts in it, or is 0 when none does.
// Invariant (I14): ranges [0, chunkCount) have tables, every user block starts in one of them,
// and each chunk is a used block whose tag names its range.

import { MINIMAL } from "./common";
import { RANGE0_BITS, RANGE_COUNT, START_TABLE0, START_DIR, ST } from "./state";

/**
 * Whether the pointer checks are compiled in. Only the benchmark's "unchecked" build (asc
 * --use WASMALLOC_UNCHECKED=1) leaves them out, to measure what they cost; it trusts every
 * pointer it is given and must never be shipped.
 */
// @ts-ignore: decorator
@inline export const GUARDS: bool = !isDefined(WASMALLOC_UNCHECKED);

/** log2 of a window's bytes. */
// @ts-ignore: decorator
@inline export const WINDOW_BITS: u32 = 8;
/** The first word of a chunk's payload is this, xor its range. */
// @ts-ignore: decorator
@inline export const CHUNK_TAG: u32 = 0x7AB1E500;
/** Bytes of a chunk's payload before its table: the tag and a padding word. */
// @ts-ignore: decorator
@inline export const CHUNK_PREFIX: usize = 8;

/** The range that holds heap offset `o`. */
// @ts-ignore: decorator
@inline export function rangeOf(o: usize): u32 {
  if (o < (<usize>1 << RANGE0_BITS)) return 0;
  const fl = <u32>(31 - clz<u32>(<u32>o));
  return 1 + ((fl - RANGE0_BITS) << 2) + ((<u32>o >> (fl - 2)) & 3);
}

/** The first offset of range `r` (r <= RANGE_COUNT; RANGE_COUNT gives 2^32). */
// @ts-ignore: decorator
@inline export function rangeStart(r: u32): u64 {
  if (r == 0) return 0;
  const fl = RANGE0_BITS + ((r - 1) >> 2);
  return (<u64>1 << fl) + (<u64>((r - 1) & 3) << (fl - 2));
}

/** The bytes of table that range `r` needs. */
// @ts-ignore: decorator
@inline export function rangeTableBytes(r: u32): usize {
  return <usize>((rangeStart(r + 1) - rangeStart(r)) >> WINDOW_BITS);
}

/** The table byte of offset `o`'s window. Only valid when o's range has a table. */
// @ts-ignore: decorator
@inline function ENTRY(o: usize): usize {
  return <usize>load<u32>(START_DIR() + (<usize>rangeOf(o) << 2)) + (o >> WINDOW_BITS);
}

/** The table byte's value for a block at offset `o`. */
// @ts-ignore: decorator
@inline function POS(o: usize): u32 {
  return <u32>((o & ((1 << WINDOW_BITS) - 1)) >> 3) + 1;
}

/** Whether offset `o` is covered by a table. */
// @ts-ignore: decorator
@inline export function isCovered(o: usize): bool {
  return <u64>o < ST().covered;
}

/** The address where the ranges that have a table end: every user block starts below it (I14). */
// @ts-ignore: decorator
@inline export function coveredEnd(): u64 {
  const st = ST();
  return <u64>st.heapStart + st.covered;
}

/** Records that a block starts at `b`, which must be covered. */
// @ts-ignore: decorator
@inline export function SETSTART(b: usize): void {
  if (!GUARDS) return;
  if (MINIMAL) setStart(b);                 // one copy of the code, for size
  else setStartInline(b);
}

// @ts-ignore: decorator
@inline function setStartInline(b: usize): void {
  const o = b - <usize>ST().heapStart;
  const a = ENTRY(o);
  const e = <u32>load<u8>(a);
  const pos = POS(o);
  if (e == 0 || pos < e) store<u8>(a, <u8>pos);
}

function setStart(b: usize): void { setStartInline(b); }

/**
 * Records that the block at `b` is gone: merged into its left neighbour, or absorbed by it. Call
 * it before b's header changes: the block after b, at b + SIZE(b), becomes the first start of
 * the window if b was. Blocks absorbed one after another are cleared in address order.
 */
// @ts-ignore: decorator
@inline export function CLEARSTART(b: usize): void {
  if (GUARDS) clearStart(b);               // out of line: 1 KB of code for about 1 ns a merge
}

// @ts-ignore: decorator
@inline function clearStartInline(b: usize): void {
  const st = ST();
  const o = b - <usize>st.heapStart;
  const a = ENTRY(o);
  if (<u32>load<u8>(a) != POS(o)) return;
  const n = o + (<usize>load<u32>(b) & ~7);    // the next block, or the epilogue
  const sameWindow = (n >> WINDOW_BITS) == (o >> WINDOW_BITS) && n + <usize>st.heapStart != <usize>st.brk - 4;
  store<u8>(a, sameWindow ? <u8>POS(n) : 0);
}

function clearStart(b: usize): void { clearStartInline(b); }

/** Records that the block at `b`, which was the heap's last, is gone (absorbed as the heap grew). */
// @ts-ignore: decorator
@inline export function CLEARLASTSTART(b: usize): void {
  if (!GUARDS) return;
  const o = b - <usize>ST().heapStart;
  const a = ENTRY(o);
  if (<u32>load<u8>(a) == POS(o)) store<u8>(a, 0);
}

/**
 * Whether a block starts at `b` (at or above the first block, below the epilogue): the table's
 * first start in b's window, then header steps. Exact while the headers are intact; a zero size
 * (a corrupted header) ends the steps.
 */
// @ts-ignore: decorator
@inline export function ISSTART(b: usize): bool {
  const st = ST();
  const o = b - <usize>st.heapStart;
  if (!isCovered(o)) return false;
  const a = ENTRY(o);
  // Shared build: a check made without the lock may read a directory entry mid-update; it must
  // not load outside memory (its answer is then discarded, see shared.ts).
  if (ASC_FEATURE_THREADS && <u64>a >= (<u64>memory.size() << 16)) return false;
  const e = <usize>load<u8>(a);
  if (e == 0) return false;
  let s = b - (o & ((1 << WINDOW_BITS) - 1)) + ((e - 1) << 3);
  if (s == b) return true;                  // the first block in its window
  while (s < b) {
    const z = <usize>load<u32>(s) & ~7;
    if (z == 0) break;
    s += z;
  }
  return s == b;
}

/** Whether the used block at `b` is one of the table's chunks (exact: the directory must agree). */
// @ts-ignore: decorator
@inline export function isChunk(b: usize): bool {
  if (!GUARDS) return false;
  const r = load<u32>(b, 4) ^ CHUNK_TAG;
  return r != 0 && r < ST().chunkCount && rangeTable(r) == b + 4 + CHUNK_PREFIX;
}

/** The table byte of window `w` (a window index from the heap's start; its range must have a table). */
export function windowEntry(w: usize): u32 {
  return <u32>load<u8>(ENTRY(w << WINDOW_BITS));
}

/** The table byte that a window whose first block is at offset `o` must hold. */
export function windowPos(o: usize): u32 {
  return POS(o);
}

/**
 * Gives range `r` (the next one) the table at `table` (already zeroed), and records the chunks
 * that already start in it: a chunk placed at the heap's end may lie past the ranges covered
 * when it was placed.
 */
export function setRangeTable(r: u32, table: usize): void {
  const st = ST();
  store<u32>(START_DIR() + (<usize>r << 2), <u32>(table - <usize>(rangeStart(r) >> WINDOW_BITS)));
  st.chunkCount = r + 1;
  st.covered = rangeStart(r + 1);
  if (!GUARDS) return;
  const lo = rangeStart(r);
  const hi = rangeStart(r + 1);
  for (let c: u32 = 1; c <= r; c++) {
    const b = rangeTable(c) - CHUNK_PREFIX - 4;
    const o = <u64>(b - <usize>st.heapStart);
    if (o >= lo && o < hi) SETSTART(b);
  }
}

/** The table bytes of range `r` (which must have one). */
export function rangeTable(r: u32): usize {
  return <usize>load<u32>(START_DIR() + (<usize>r << 2)) + <usize>(rangeStart(r) >> WINDOW_BITS);
}

/** Sets range 0 up: its table is the one inline in the state. */
export function setupStarts(): void {
  memory.fill(START_TABLE0(), 0, rangeTableBytes(0));
  ST().chunkCount = 0;
  setRangeTable(0, START_TABLE0());
}

export { RANGE_COUNT };
