// What the pointer checks need from the heap: validate (is this the payload of a live block?),
// and the start table's coverage of the heap (starts.ts has the table itself).
//
// The contract of coverTo, the one call here that changes the heap: after it returns, the start
// table may have moved into a new chunk, an internal used block taken from a free block (possibly
// the very block the caller had found) or from new heap at the end, and its old chunk has been
// freed (merging with its free neighbours). Free blocks the caller held may be gone or merged:
// search again. Used blocks never move.

import { AL_MASK, AL_SIZE, Coalesce, ErrorCode, MAX_PAGES, MINIMAL } from "./common";
import {
  BLOCK_OVERHEAD, EPILOGUE_SIZE, HEADER, INTERNAL, ISLEFTUSED, ISUSED, MIN_BLOCK, PROLOGUE_SIZE,
  SIZE, USED, GETFREELEFT, block2mem, request2size,
} from "./block";
import { coverMemory, heapLimit } from "./brk";
import { coalesceAll, release, retire } from "./coalesce";
import {
  CHUNK_PREFIX, CLEARSTART, GUARDS, ISSTART, REACHES, SETSTART, WINDOW_BITS, coveredEnd, isChunk,
  isCoveredAt, startBefore, moveTable,
} from "./starts";
import { isCached } from "./cache";
import { findFirstFit } from "./fit/first";
import { findSegFit } from "./fit/segregated";
import { COALESCING, ST, START_TABLE0, START_WINDOWS0 } from "./state";
import { flushCache } from "./free";
import { growEnd, place } from "./place";
import { ensureHeap, fail, ownEnd } from "./setup";
import { SEGREGATED } from "./fit/policy";

/**
 * Whether `ptr` is the payload of a live user block: OK, DOUBLE_FREE (the payload of a free block)
 * or INVALID_POINTER (anything else, an internal block included). Exact for every address, in at
 * most 16 steps: the start table, which no payload write can reach, names the first used block
 * of ptr - 4's window, and the steps from it read only real headers (starts.ts).
 */
export function validate(ptr: usize): u32 {
  return validateBlock(ptr, false);
}

/**
 * validate for a user block (`internal` false) or for one of the allocator's own internal blocks
 * (true). In the shared build the I bit is the C bit, which the caller tells apart (shared.ts).
 */
// @ts-ignore: decorator
@inline export function validateBlock(ptr: usize, internal: bool): u32 {
  if (!GUARDS) return ErrorCode.OK;
  const b = ptr - BLOCK_OVERHEAD;
  // Below the first block, the table names no start (the prologue is not recorded, and an
  // address below the heap is not covered); the epilogue is not recorded either, but the steps
  // from its window's first block reach it, so the end is checked here.
  if ((ptr & AL_MASK) != 0 || b > <usize>ST().brk - EPILOGUE_SIZE - MIN_BLOCK) return ErrorCode.INVALID_POINTER;
  if (!ISSTART(b)) return classify(b);
  const h = HEADER(b);
  if ((h & USED) == 0) return ErrorCode.DOUBLE_FREE;
  if (isChunk(b)) return ErrorCode.INVALID_POINTER;
  if (MINIMAL) return ErrorCode.OK;         // (no pools there: no internal blocks)
  if (internal) return (h & INTERNAL) != 0 && !isCached(b) ? ErrorCode.OK : ErrorCode.INVALID_POINTER;
  if (ASC_FEATURE_THREADS || (h & INTERNAL) == 0) return ErrorCode.OK;
  return isCached(b) ? ErrorCode.DOUBLE_FREE : ErrorCode.INVALID_POINTER;   // (a cached block was freed once already)
}

/**
 * Why `b`, which the table's steps did not reach, is not a live block: DOUBLE_FREE when a free
 * block starts there (before its window's first used block), else INVALID_POINTER. Steps from
 * the nearest recorded start before it; taken only for a pointer already refused. Its reads stay
 * below brk, and a zero size (a corrupted header) ends it.
 */
export function classify(b: usize): u32 {
  // (b is aligned and below the epilogue: validateBlock has seen to that.)
  const first = <usize>ST().heapStart + PROLOGUE_SIZE;
  if (!MINIMAL && b < first) return ErrorCode.INVALID_POINTER;   // (REACHES from first is false below it)
  const x = MINIMAL ? first : startBefore(b);   // (the minimal build steps from the first block: less code)
  return REACHES(x, b) && !ISUSED(b) ? ErrorCode.DOUBLE_FREE : ErrorCode.INVALID_POINTER;
}

/**
 * The entry points' check of a pointer they are given: sets the heap up when it is not, then
 * validates `ptr`, recording the error for the host when it is not a live block's payload.
 */
// @ts-ignore: decorator
@inline export function checkPointer(ptr: usize): u32 {
  return MINIMAL ? checkPointerCall(ptr) : checkPointerInline(ptr);   // the minimal build keeps one copy
}

export function checkPointerCall(ptr: usize): u32 { return checkPointerInline(ptr); }

// @ts-ignore: decorator
@inline export function checkPointerInline(ptr: usize): u32 {
  ensureHeap();
  const err = validateBlock(ptr, false);
  if (err != ErrorCode.OK) fail(err, ptr);
  return err;
}

/**
 * Whether `h` is the payload of a live internal block whose first word is `magic`: how the pools
 * check their handles (exact for "is an internal block"; the magic tells the kind of descriptor).
 * A user's block is never a handle, whatever it holds.
 */
export function isHandle(h: usize, magic: u32): bool {
  return h != 0 && validateBlock(h, true) == ErrorCode.OK && load<u32>(h) == magic;
}

/**
 * Whether taking `size` bytes from the free block `b` would start a used block where the start
 * table does not cover yet (a free block may lie past the cover). The used block starts at b,
 * or, split at b's high end, at b + SIZE(b) - size: the table must cover that far.
 */
// @ts-ignore: decorator
@inline export function needsCover(b: usize, size: usize): bool {
  return GUARDS && !isCoveredAt(b + SIZE(b) - size);
}

/**
 * The free block that a table chunk of `size` bytes is carved from, or 0: a free block rather
 * than the heap's end, where a chunk would split free space that could merge; the lowest that
 * fits under the address-ordered policies, the best fit in class under segregated fits (whose
 * lists are not in address order). growTable places by it, and growthFits and chunkWouldTake
 * foresee by it where the chunk will go.
 */
// @ts-ignore: decorator
@inline function chunkFit(size: usize): usize {
  return SEGREGATED() ? findSegFit(size) : findFirstFit(size);
}

/**
 * Moves the start table to a chunk that covers at least the heap offset `need` and the heap's
 * end, and still does after the chunk itself grows the heap, with at least 1.25 times the
 * windows it has (so the copies cost O(1) per byte of heap over time). The chunk, an internal
 * used block, is taken from the free list when one fits, else from new heap at the end; the old
 * chunk is then freed. Returns false when there is no room. `need` must lie within the heap's
 * limit (below 2^32).
 */
export function growTable(need: u64): bool {
  const st = ST();
  const windows = chunkWindows(need);
  const size = chunkSize(windows);
  let b = chunkFit(size);
  if (b == 0 && COALESCING() == Coalesce.DEFERRED && st.unmerged != 0 && coalesceAll() != 0) b = chunkFit(size);
  if (b == 0) {
    b = growEnd(size, size);
    if (b == 0) return false;
  }
  // The new table covers b and the split's remainder (they start below the old brk) before they
  // are recorded; it lies past the block's header and links, which place still reads.
  const old = <usize>st.tableBlock;
  moveTable(block2mem(b) + CHUNK_PREFIX, <u32>windows, b);
  place(b, size, false);
  SETSTART(b);                              // the chunk is a live used block
  st.guardBytes = <u32>SIZE(b);
  if (old != 0) {
    retire(old);
  }
  return true;
}

/**
 * The table bytes of the chunk that growTable makes to cover heap offset `need`: at least the
 * heap's end and 1.25 times the current table, with room for the chunk itself (1/64 of what it
 * covers, more than the chunk's 1/128) should it grow the heap.
 */
export function chunkWindows(need: u64): u64 {
  const st = ST();
  const brkOffset = <u64>(st.brk - st.heapStart);
  if (need < brkOffset) need = brkOffset;
  need += (need >> (WINDOW_BITS - 1)) + 64;
  let windows = <u64>st.windows + (<u64>st.windows >> 2);
  const needed = (need + (<u64>1 << WINDOW_BITS) - 1) >> WINDOW_BITS;
  if (windows < needed) windows = needed;
  windows = (windows + 7) & ~7;
  return windows > MAX_WINDOWS ? MAX_WINDOWS : windows;
}

/** The block size of a table chunk of `windows` table bytes. */
// @ts-ignore: decorator
@inline export function chunkSize(windows: u64): usize {
  return request2size(CHUNK_PREFIX + <usize>windows);
}

/**
 * Where a growth of the heap's end starts: the free block that ends the heap (it grows in
 * place), or the epilogue.
 */
// @ts-ignore: decorator
@inline export function growthStart(): usize {
  const ep = <usize>ST().brk - EPILOGUE_SIZE;
  return ISLEFTUSED(ep) ? ep : GETFREELEFT(ep);
}

/**
 * The end of what the start table must cover before the heap's end grows by a free block of
 * `want` bytes for a used block of `size`: the growth's start, or all of the growth when it is
 * to be split (segregated fits' slack), which may put the used block anywhere in it.
 */
// @ts-ignore: decorator
@inline export function growthCover(size: usize, want: usize): u64 {
  return <u64>growthStart() + <u64>(want != size ? want : 0) + AL_SIZE;
}

/**
 * Whether moving the start table to cover `end` would carve its new chunk from the free block `b`
 * (the search growTable makes) and leave too little of b for a request of `size` bytes: then
 * the move would not serve the request it was made for, and malloc must not make it (it would
 * leave a failed call with the table moved, or loop moving the table back and forth).
 */
export function chunkWouldTake(b: usize, size: usize, end: u64): bool {
  if (!GUARDS || coveredEnd() >= end) return false;
  const c = chunkSize(chunkWindows(end - <u64>ST().heapStart));
  return chunkFit(c) == b && SIZE(b) < c + size;
}

/**
 * Whether growing the heap's end to a free block of `want` bytes (for a used block of `size`)
 * fits within the heap's limit, together with the table's new chunk when the table must move
 * to cover it and no free block but the last can hold that chunk. Checked before anything
 * moves, so that a malloc that fails leaves the heap as it was: memory is grown here to cover
 * all of it, since the engine may refuse pages below the limit (a memory whose own maximum is
 * lower, in the foreign build with pages that others took), and a refusal after the table had
 * moved would leave it moved. Pages grown for a growth that then fits in less stay for later.
 */
export function growthFits(size: usize, want: usize): bool {
  const st = ST();
  const at = growthStart();
  const last: usize = ISUSED(at) ? 0 : at;   // (the epilogue is used)
  let need = <u64>st.brk + <u64>want - <u64>(last != 0 ? SIZE(last) : 0);
  if (GUARDS && coveredEnd() < growthCover(size, want)) {
    const c = chunkSize(chunkWindows(growthCover(size, want) - <u64>st.heapStart));
    const b = chunkFit(c);
    if (b == 0 || b == last) need += <u64>c;   // the chunk takes the heap's end
  }
  const limit = heapLimit(MINIMAL ? MAX_PAGES : st.maxPages);
  if (need > limit) return false;
  const grew = coverMemory(need, limit);
  if (grew < 0) return false;
  st.growCalls += <u32>grew;
  return true;
}

/**
 * When malloc is about to fail and the table lies in a chunk while no used block but the chunk
 * starts past the inline table's cover (the first 1 MiB), moves the table back inline and frees
 * the chunk, so that the chunk never keeps an emptied heap from serving a request that fits.
 * Returns whether it did.
 */
export function tableBackInline(): bool {
  flushCache();                             // (cached blocks are used blocks, recorded in the table)
  const st = ST();
  const c = <usize>st.tableBlock;
  if (!GUARDS || MINIMAL || c == 0) return false;
  const table = <usize>st.table;
  CLEARSTART(c);                            // the chunk's own record goes first (it shares a byte with a neighbour's)
  for (let i = <usize>START_WINDOWS0; i < <usize>st.windows; i++) {
    if (load<u8>(table + i) != 0) {         // a used block past the inline table's cover: keep the chunk
      SETSTART(c);
      return false;
    }
  }
  memory.copy(START_TABLE0(), table, <usize>START_WINDOWS0);
  st.table = <u32>START_TABLE0();
  st.windows = START_WINDOWS0;
  st.tableBlock = 0;
  st.tableMoves += 1;
  st.guardBytes = 0;
  release(c);
  return true;
}

/** The most windows the start table needs: 2^32 bytes of heap. */
// @ts-ignore: decorator
@inline export const MAX_WINDOWS: u64 = <u64>1 << (32 - WINDOW_BITS);

/**
 * Makes the start table cover every address below `end` (inside the heap's limit, or false),
 * moving the table when it does not. Returns false when it cannot.
 */
export function coverTo(end: u64): bool {
  if (!GUARDS || coveredEnd() >= end) return true;
  if (!ownEnd()) return false;
  const st = ST();
  return end <= heapLimit(MINIMAL ? MAX_PAGES : st.maxPages) && growTable(end - <u64>st.heapStart);
}
