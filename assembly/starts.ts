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
// Every block is recorded: user blocks, used and free, and the table's own chunk. The prologue
// and the epilogue are not. The table covers the heap offsets [0, windows × 256):
//
//   at first      the 4 KiB table inline in the state covers the first 1 MiB
//   as it grows   one chunk, an internal used block: [header][8-byte prefix][table ...]
//
// When a block is about to start past the covered offsets, the table moves to a larger chunk
// (at least 1.25 times as many windows, and enough for the heap's end): taken from a free
// block when one fits, else from new heap at the end. The old bytes are copied, and the old
// chunk is freed like any block. A block that grows in place starts no block, so it needs no
// coverage: the heap may reach past the table. The prefix keeps a free block's links intact
// while the table is written into it, before the block is split.
//
// Invariant (I13): for every covered window, the byte names the first block that starts in
// it, or is 0 when none does.
// Invariant (I14): the table covers at least the first 1 MiB and every block start; it is the
// state's inline table or the payload of the chunk, a used block large enough for it.

import { MINIMAL } from "./common";
import { START_TABLE0, START_WINDOWS0, ST } from "./state";

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
/** Bytes of a chunk's payload before its table (a free block's links, while it becomes the chunk). */
// @ts-ignore: decorator
@inline export const CHUNK_PREFIX: usize = 8;

/** The table byte of offset `o`'s window. Only valid when o is covered. */
// @ts-ignore: decorator
@inline function ENTRY(o: usize): usize {
  return <usize>ST().table + (o >> WINDOW_BITS);
}

/** The table byte's value for a block at offset `o`. */
// @ts-ignore: decorator
@inline function POS(o: usize): u32 {
  return <u32>((o & ((1 << WINDOW_BITS) - 1)) >> 3) + 1;
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

/** The address where the covered offsets end: every block starts below it (I14). */
// @ts-ignore: decorator
@inline export function coveredEnd(): u64 {
  const st = ST();
  return <u64>st.heapStart + (<u64>st.windows << WINDOW_BITS);
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
  if (GUARDS) clearStart(b);               // out of line: small code for about 1 ns a merge
}

function clearStart(b: usize): void {
  const st = ST();
  const o = b - <usize>st.heapStart;
  const a = ENTRY(o);
  if (<u32>load<u8>(a) != POS(o)) return;
  const n = o + (<usize>load<u32>(b) & ~7);    // the next block, or the epilogue
  const sameWindow = (n >> WINDOW_BITS) == (o >> WINDOW_BITS) && n + <usize>st.heapStart != <usize>st.brk - 4;
  store<u8>(a, sameWindow ? <u8>POS(n) : 0);
}

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
  // Shared build: a check made without the lock may read the table's address mid-move; it must
  // not load outside memory (its answer is then discarded, see shared.ts). The bound is brk, in
  // the shared state, not memory.size(): an instance on another thread may still see the size
  // from before a growth, and the table's chunk may lie in the memory that growth added (which
  // refused live blocks now and then). Every table byte lies below brk.
  if (ASC_FEATURE_THREADS && a >= <usize>st.brk) return false;
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

/** Whether the used block at `b` is the table's chunk. */
// @ts-ignore: decorator
@inline export function isChunk(b: usize): bool {
  return GUARDS && b == <usize>ST().tableBlock;
}

/** The table byte of window `w` (a covered window index from the heap's start). */
export function windowEntry(w: usize): u32 {
  return <u32>load<u8>(ENTRY(w << WINDOW_BITS));
}

/** The table byte that a window whose first block is at offset `o` must hold. */
export function windowPos(o: usize): u32 {
  return POS(o);
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
