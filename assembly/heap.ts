// malloc, free, calloc, realloc, aligned allocation and usable size: the algorithm steps,
// built on the block layout (block.ts), the free list (freelist.ts), the placement policies
// (fit/), coalescing (coalesce.ts) and brk (brk.ts).

import {
  AL_MASK, AL_SIZE, COALESCE_COUNT, Coalesce, ErrorCode, FOREIGN, MAX_PAGES, MINIMAL, PAGE_BITS, POLICY_COUNT, Policy,
} from "./common";
import {
  BLOCK_OVERHEAD, EPILOGUE_SIZE, FLAGS_MASK, HEADER, INTERNAL, ISLEFTUSED, ISUSED, LEFT_USED,
  MAX_REQUEST, MIN_BLOCK, NEXT, PROLOGUE_SIZE, SETFOOTER, SETHEADER, SETLEFTUSED, SIZE, USED,
  GETFREELEFT, block2mem, mem2block, request2size,
} from "./block";
import { claimPages, coverMemory, heapLimit, othersGrew, ownMemory, sbrk } from "./brk";
import { coalesceAll, release, releaseSeg } from "./coalesce";
import { listInsert, listRemove, listReplace } from "./freelist";
import {
  CHUNK_PREFIX, CLEARFIRST, CLEARSTART, GUARDS, ISSTART, STARTKIND, REACHES, SETSTART, WINDOW_BITS, coveredEnd, isChunk, isCoveredAt, startBefore,
  moveTable, setupStarts,
} from "./starts";
import { CACHING, cacheCounts4, cachePop, cachePush, cacheRemove, cacheSetup, cacheTake, isCached } from "./cache";
import { findBestFit } from "./fit/best";
import { findFirstFit } from "./fit/first";
import { findNextFit } from "./fit/next";
import { classOf, findSegCovered, findSegFit, findSegFitInline, segInsert, segRemove, segSetup } from "./fit/segregated";
import {
  COALESCING, DEFAULT_COALESCE, DEFAULT_POLICY, GAP_SLOTS, HEAP_START, HeapState, POLICY, SENTINEL, ST, STATE_MAGIC,
  CACHE_BINS, START_TABLE0, START_WINDOWS0, STATE_ADDRESS, addGap, foreignBase, gapCount, setForeignBase,
} from "./state";

// ─── Setting up ────────────────────────────────────────────────────────────────────────────────

/**
 * Lays out an empty heap: the state, a prologue and an epilogue, with memory grown to at least
 * `initialPages`. Returns an ErrorCode: BAD_CONFIG for values out of range or a heap that is
 * already set up, OUT_OF_MEMORY when memory cannot grow to `initialPages`.
 */
export function setupHeap(policy: u32, coalesce: u32, initialPages: u32, maxPages: u32): u32 {
  return heapStatus() != HeapStatus.FRESH ? ErrorCode.BAD_CONFIG : layOutHeap(policy, coalesce, initialPages, maxPages);
}

/** setupHeap on memory whose state is FRESH. */
function layOutHeap(policy: u32, coalesce: u32, initialPages: u32, maxPages: u32): u32 {
  const st = ST();
  if (policy >= POLICY_COUNT || coalesce >= COALESCE_COUNT) return ErrorCode.BAD_CONFIG;
  if (maxPages == 0 || maxPages > MAX_PAGES || initialPages > maxPages) return ErrorCode.BAD_CONFIG;
  const start = HEAP_START();
  const end = <u64>start + PROLOGUE_SIZE + EPILOGUE_SIZE;
  const limit = heapLimit(maxPages);
  if (end > limit) return ErrorCode.OUT_OF_MEMORY;
  const wanted = <u64>initialPages << PAGE_BITS;
  const grew = coverMemory(wanted > end ? wanted : end, limit);
  if (grew < 0) return ErrorCode.OUT_OF_MEMORY;

  // Every field is zero but these; st.lock (held by the caller in the shared build) is kept.
  memory.fill(changetype<usize>(st), 0, offsetof<HeapState>("lock"));
  st.typicalLog = 0;
  st.heapStart = <u32>start;
  st.brk = <u32>end;
  st.growCalls = <u32>grew;
  if (!MINIMAL) {                           // (the minimal build never reads these: they stay 0)
    st.policy = policy;
    st.coalesce = coalesce;
    st.maxPages = maxPages;
    const s = SENTINEL();
    st.head = <u32>s;
    st.tail = <u32>s;
    st.rover = <u32>s;
  }
  setupStarts();
  segSetup();
  cacheSetup();
  SETHEADER(start, <u32>PROLOGUE_SIZE | USED | LEFT_USED);
  store<u32>(start + BLOCK_OVERHEAD, 0);
  SETHEADER(start + PROLOGUE_SIZE, USED | LEFT_USED);
  st.magic = STATE_MAGIC;                   // last: only a complete heap counts as set up
  return ErrorCode.OK;
}

/** What the memory at the state holds. */
export const enum HeapStatus {
  /** Zero, or not yet in memory: no heap has been set up. */
  FRESH = 0,
  /** A heap. */
  READY = 1,
  /** Neither: the state was overwritten. */
  CORRUPT = 2,
}

/**
 * Whether this memory holds a heap. Memory may not yet reach the state (a module with no data
 * starts with 0 pages), and reading it then would trap.
 */
export function heapStatus(): HeapStatus {
  if ((<u64>memory.size() << PAGE_BITS) < <u64>HEAP_START()) return HeapStatus.FRESH;
  const magic = ST().magic;
  if (magic == STATE_MAGIC) return HeapStatus.READY;
  return magic == 0 ? HeapStatus.FRESH : HeapStatus.CORRUPT;
}

/**
 * Sets the heap up with the defaults on first use. A state that is neither zero nor a heap was
 * overwritten: setting up a new heap over live blocks would hand them out twice, so abort.
 */
function setupOnFirstUse(): void {
  if (heapStatus() == HeapStatus.CORRUPT) {
    if (MINIMAL || FOREIGN) unreachable();  // the minimal build imports nothing, the foreign build has no data: a bare trap
    else abort("wasmalloc: the heap state was overwritten");
  }
  layOutHeap(DEFAULT_POLICY, DEFAULT_COALESCE, 0, MAX_PAGES);
}

/** Every entry point calls this first: one load and compare once the heap is set up. */
// @ts-ignore: decorator
@inline export function ensureHeap(): void {
  if (MINIMAL) ensureHeapCall();            // one copy of the code, for size
  else ensureHeapInline();
}

// @ts-ignore: decorator
@inline function ensureHeapInline(): void {
  if (FOREIGN && foreignBase == 0) unreachable();   // the foreign build's heap is used before heap_place
  if ((<u64>memory.size() << PAGE_BITS) < <u64>HEAP_START() || ST().magic != STATE_MAGIC) setupOnFirstUse();
}

function ensureHeapCall(): void { ensureHeapInline(); }

/** Records an error for the host to read back, and returns 0 (the failed call's result). */
export function fail(code: u32, address: usize): usize {
  const st = ST();
  st.lastError = code;
  if (!MINIMAL) st.errorAddress = <u32>address;   // (the minimal build exports no error address)
  return 0;
}

/** Adds `bytes` to the bytes in use, keeping the peak. */
// @ts-ignore: decorator
@inline function addUsed(bytes: usize): void {
  if (MINIMAL) addUsedCall(bytes);          // one copy of the code, for size
  else addUsedInline(bytes);
}

function addUsedCall(bytes: usize): void { addUsedInline(bytes); }

// @ts-ignore: decorator
@inline function addUsedInline(bytes: usize): void {
  const st = ST();
  const used = st.usedBytes + <u32>bytes;
  st.usedBytes = used;
  if (used > st.peakUsedBytes) st.peakUsedBytes = used;
}

// ─── Checking a pointer ────────────────────────────────────────────────────────────────────────

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
@inline function validateBlock(ptr: usize, internal: bool): u32 {
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
function classify(b: usize): u32 {
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
@inline function checkPointer(ptr: usize): u32 {
  return MINIMAL ? checkPointerCall(ptr) : checkPointerInline(ptr);   // the minimal build keeps one copy
}

function checkPointerCall(ptr: usize): u32 { return checkPointerInline(ptr); }

// @ts-ignore: decorator
@inline function checkPointerInline(ptr: usize): u32 {
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
 * malloc for the allocator's own use (a pool's or arena's descriptor or chunk): the block is
 * marked internal (the I bit), so that free, realloc and usableSize refuse it, and only
 * releaseInternal gives it back. Counted in the used statistics like any block.
 */
export function allocateInternal(n: usize): usize {
  const p = allocate(n);
  if (p != 0) {
    const b = mem2block(p);
    SETHEADER(b, HEADER(b) | INTERNAL);
  }
  return p;
}

/** Gives back a block from allocateInternal, which the caller vouches for. */
export function releaseInternal(p: usize): void {
  const b = mem2block(p);
  SETHEADER(b, HEADER(b) & ~INTERNAL);
  CLEARSTART(b);
  const st = ST();
  st.usedBytes -= <u32>SIZE(b);
  st.usedBlocks -= 1;
  release(b);
}

// ─── Placing ───────────────────────────────────────────────────────────────────────────────────

/** The free block the heap's policy picks for `size` bytes, or 0. */
// @ts-ignore: decorator
@inline function findFit(size: usize): usize {
  const policy = POLICY();
  if (policy == Policy.SEGREGATED) return findSegFit(size);
  if (policy == Policy.FIRST_FIT) return findFirstFit(size);
  if (policy == Policy.BEST_FIT) return findBestFit(size);
  return findNextFit(size);
}

/**
 * The policy's free block for `size` bytes; under deferred coalescing, when there is none and a
 * block was freed since the last merge pass, merges and searches again. 0 when nothing fits.
 */
function findOrMerge(size: usize): usize {
  const b = findFit(size);
  return b != 0 ? b : mergeAndFind(size);
}

/** After a failed search: under deferred coalescing, merges (if a block was freed since the last pass) and searches again. */
function mergeAndFind(size: usize): usize {
  return COALESCING() == Coalesce.DEFERRED && ST().unmerged != 0 && coalesceAll() != 0 ? findFit(size) : 0;
}

/**
 * Whether taking `size` bytes from the free block `b` would start a used block where the start
 * table does not cover yet (a free block may lie past the cover). The used block starts at b,
 * or, split at b's high end, at b + SIZE(b) - size: the table must cover that far.
 */
// @ts-ignore: decorator
@inline function needsCover(b: usize, size: usize): bool {
  return GUARDS && !isCoveredAt(b + SIZE(b) - size);
}

/**
 * Allocates `size` bytes from the free block `b` and returns the used block. A remainder of at
 * least MIN_BLOCK is split off and stays free. The used part keeps `b`'s low end, except when
 * `twoEnded` is set (segregated fits) and the request is no larger than the typical split
 * request: then it takes the high end, and the remainder keeps b's address. So small and large
 * blocks gather at opposite ends of the free space, and a freed run of large blocks merges into
 * one. (Small at the high end measured better than the other way round: on the Malloc Lab suite,
 * on the bundled workloads and on larger runs of the generators.) Under next fit the rover moves
 * to the remainder.
 */
function place(b: usize, size: usize, twoEnded: bool): usize {
  const st = ST();
  const bsize = SIZE(b);
  const rem = bsize - size;
  if (rem >= MIN_BLOCK) {
    if (twoEnded && isSmall(size)) {
      const u = b + rem;
      const relist = classOf(rem) != classOf(bsize);  // (the remainder keeps b's address)
      if (relist) listRemove(b);
      SETHEADER(b, <u32>rem | (HEADER(b) & LEFT_USED));
      SETFOOTER(b, rem);
      if (relist) listInsert(b);
      SETHEADER(u, <u32>size | USED);
      SETLEFTUSED(u + size);
      return u;
    }
    const r = b + size;
    SETHEADER(r, <u32>rem | LEFT_USED);
    SETFOOTER(r, rem);
    listReplace(b, r);
    if (POLICY() == Policy.NEXT_FIT) st.rover = <u32>r;
    SETHEADER(b, <u32>size | USED | (HEADER(b) & LEFT_USED));
  } else {
    if (POLICY() == Policy.NEXT_FIT) st.rover = <u32>NEXT(b);
    listRemove(b);
    SETHEADER(b, HEADER(b) | USED);
    SETLEFTUSED(b + bsize);
  }
  return b;
}

/**
 * place under segregated fits (twoEnded set), inlined into malloc's fast path: the same steps
 * with the class lists' own insert and remove.
 */
// @ts-ignore: decorator
@inline function placeSeg(b: usize, size: usize): usize {
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
    const relist = classOf(rem) != classOf(bsize);  // (the remainder keeps b's address)
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
  segRemove(b);                             // (by its old size)
  segInsert(r);
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
@inline function isSmall(size: usize): bool {
  const st = ST();
  const lg = <u32>(32 - clz<u32>(<u32>size)) << 8;
  const typical = st.typicalLog;
  st.typicalLog = typical == 0 ? lg : <u32>(<i32>typical + ((<i32>lg - <i32>typical) >> 4));
  return typical != 0 && lg <= typical;
}

/**
 * Grows the heap by its shortfall and returns a used block of exactly `size` bytes at the end,
 * or 0 when brk cannot move. A free block at the end is extended rather than skipped. No word
 * above the old brk is written except the new epilogue, so a fresh block's payload is zero.
 * The address-ordered policies' growth; the start table must cover it.
 */
function growFor(size: usize): usize {
  const ep = <usize>ST().brk - EPILOGUE_SIZE;
  if (!ISLEFTUSED(ep)) {
    const last = GETFREELEFT(ep);
    if (!sbrk(size - SIZE(last))) return 0;
    listRemove(last);
    SETHEADER(last, <u32>size | USED | (HEADER(last) & LEFT_USED));
    SETHEADER(last + size, USED | LEFT_USED);
    return last;
  }
  if (!sbrk(size)) return 0;
  SETHEADER(ep, <u32>size | USED | LEFT_USED);  // the old epilogue becomes the new block
  SETHEADER(ep + size, USED | LEFT_USED);
  return ep;
}

/**
 * Moves the start table to a chunk that covers at least the heap offset `need` and the heap's
 * end, and still does after the chunk itself grows the heap, with at least 1.25 times the
 * windows it has (so the copies cost O(1) per byte of heap over time). The chunk, an internal
 * used block, is taken from the free list when one fits, else from new heap at the end; the old
 * chunk is then freed. Returns false when there is no room. `need` must lie within the heap's
 * limit (below 2^32).
 */
function growTable(need: u64): bool {
  const st = ST();
  const windows = chunkWindows(need);
  const size = chunkSize(windows);
  // A free block rather than the heap's end, where a chunk would split free space that could
  // merge: the lowest that fits under the address-ordered policies, the best fit in class under
  // segregated fits (whose lists are not in address order).
  const seg = POLICY() == Policy.SEGREGATED;
  let b = seg ? findSegFit(size) : findFirstFit(size);
  if (b == 0 && COALESCING() == Coalesce.DEFERRED && st.unmerged != 0 && coalesceAll() != 0) b = seg ? findSegFit(size) : findFirstFit(size);
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
    CLEARSTART(old);
    release(old);
  }
  return true;
}

/**
 * The table bytes of the chunk that growTable makes to cover heap offset `need`: at least the
 * heap's end and 1.25 times the current table, with room for the chunk itself (1/64 of what it
 * covers, more than the chunk's 1/128) should it grow the heap.
 */
function chunkWindows(need: u64): u64 {
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
@inline function chunkSize(windows: u64): usize {
  return request2size(CHUNK_PREFIX + <usize>windows);
}

/**
 * Where a growth of the heap's end starts: the free block that ends the heap (it grows in
 * place), or the epilogue.
 */
// @ts-ignore: decorator
@inline function growthStart(): usize {
  const ep = <usize>ST().brk - EPILOGUE_SIZE;
  return ISLEFTUSED(ep) ? ep : GETFREELEFT(ep);
}

/**
 * The end of what the start table must cover before the heap's end grows by a free block of
 * `want` bytes for a used block of `size`: the growth's start, or all of the growth when it is
 * to be split (segregated fits' slack), which may put the used block anywhere in it.
 */
// @ts-ignore: decorator
@inline function growthCover(size: usize, want: usize): u64 {
  return <u64>growthStart() + <u64>(want != size ? want : 0) + AL_SIZE;
}

/**
 * Whether growing the heap's end to a free block of `want` bytes (for a used block of `size`)
 * fits within the heap's limit, together with the table's new chunk when the table must move
 * to cover it and no free block but the last can hold that chunk. Checked before anything
 * moves, so that a malloc that fails leaves the heap as it was.
 */
function growthFits(size: usize, want: usize): bool {
  const st = ST();
  const at = growthStart();
  const last: usize = ISUSED(at) ? 0 : at;   // (the epilogue is used)
  let need = <u64>st.brk + <u64>want - <u64>(last != 0 ? SIZE(last) : 0);
  if (GUARDS && coveredEnd() < growthCover(size, want)) {
    const c = chunkSize(chunkWindows(growthCover(size, want) - <u64>st.heapStart));
    const seg = POLICY() == Policy.SEGREGATED;
    const b = seg ? findSegFit(c) : findFirstFit(c);
    if (b == 0 || b == last) need += <u64>c;   // the chunk takes the heap's end
  }
  return need <= heapLimit(MINIMAL ? MAX_PAGES : st.maxPages);
}

/**
 * When malloc is about to fail and the table lies in a chunk while no used block but the chunk
 * starts past the inline table's cover (the first 1 MiB), moves the table back inline and frees
 * the chunk, so that the chunk never keeps an emptied heap from serving a request that fits.
 * Returns whether it did.
 */
function tableBackInline(): bool {
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
@inline const MAX_WINDOWS: u64 = <u64>1 << (32 - WINDOW_BITS);

/**
 * Makes the start table cover every address below `end` (inside the heap's limit, or false),
 * moving the table when it does not. Returns false when it cannot.
 */
function coverTo(end: u64): bool {
  if (!GUARDS || coveredEnd() >= end) return true;
  if (!ownEnd()) return false;
  const st = ST();
  return end <= heapLimit(MINIMAL ? MAX_PAGES : st.maxPages) && growTable(end - <u64>st.heapStart);
}

/**
 * Splits the used block `b` down to `size` bytes when the rest makes a block, and frees the rest
 * (which merges with a free right neighbour). The rest is a free block, which the start table
 * need not cover, so a shrink always gives its tail back and never moves the table.
 */
function shrink(b: usize, size: usize): void {
  const rem = SIZE(b) - size;
  if (rem < MIN_BLOCK) return;
  SETHEADER(b, <u32>size | (HEADER(b) & (USED | LEFT_USED)));
  const r = b + size;
  SETHEADER(r, <u32>rem | USED | LEFT_USED);
  ST().usedBytes -= <u32>rem;
  release(r);
}

// ─── The entry points ──────────────────────────────────────────────────────────────────────────

/** Segregated fits keep up to this much free space at the heap's end after a growth. */
// @ts-ignore: decorator
@inline const END_SLACK_MAX: usize = 4096;

/**
 * Segregated fits: the bytes to grow the heap's end by for a request of `size` bytes: the
 * shortfall plus a slack of up to min(4 KiB, extent / 16), which stays free at the end. The
 * next requests split it from either end (see place), so small and large blocks do not
 * interleave, and a block that ends the heap can grow in place.
 */
// @ts-ignore: decorator
@inline function endGrowth(size: usize): usize {
  const st = ST();
  let slack = (<usize>(st.brk - st.heapStart) >> 4) & ~AL_MASK;
  if (slack > END_SLACK_MAX) slack = END_SLACK_MAX;
  return size > slack ? size : slack;
}

/**
 * Makes the heap end in a free block of `want` bytes (at least `size`) and returns it, or 0
 * when the heap cannot grow. When it cannot grow by `want`, it grows by `size`. Every free block
 * is smaller than `size`, the last one included. Only the free block's header, links and footer
 * are written above the old brk. The growth of segregated fits, and of the start table's chunks.
 */
function growEnd(size: usize, want: usize): usize {
  const st = ST();
  const ep = <usize>st.brk - EPILOGUE_SIZE;
  let b = ep;
  let have: usize = 0;
  if (!ISLEFTUSED(ep)) {
    b = GETFREELEFT(ep);
    have = SIZE(b);
  }
  if (sbrk(want - have) == 0) {
    if (want == size || sbrk(size - have) == 0) return 0;
    want = size;
  }
  if (have != 0) {
    listRemove(b);
    SETHEADER(b, <u32>want | (HEADER(b) & LEFT_USED));
  } else {
    SETHEADER(b, <u32>want | LEFT_USED);
  }
  SETFOOTER(b, want);
  SETHEADER(b + want, USED);                // the epilogue; its left neighbour is free
  listInsert(b);
  return b;
}

/** malloc: a payload of at least `n` bytes, 8-aligned, or 0 when the heap cannot grow. */
export function allocate(n: usize): usize {
  ensureHeap();
  if (n > MAX_REQUEST) return fail(ErrorCode.OUT_OF_MEMORY, 0);
  const size = request2size(n);
  const seg = POLICY() == Policy.SEGREGATED;
  if (!MINIMAL && seg) {                    // the default policy's fast path, with no call in it
    if (CACHING) {
      const c = cachePop(size);
      if (c != 0) {
        addUsed(size);
        ST().usedBlocks += 1;
        return block2mem(c);
      }
    }
    const f = findSegFitInline(size);
    if (f == 0 || needsCover(f, size)) return allocateSlow(size, true, f);
    const u = placeSeg(f, size);
    SETSTART(u);
    addUsed(SIZE(u));
    ST().usedBlocks += 1;
    return block2mem(u);
  }
  let b = findFit(size);
  // The usual case: a free block whose split the start table covers. (One that reaches past it
  // is a block that grew in place and was then freed; see allocateSlow.) The minimal build keeps
  // one copy of the code.
  if (MINIMAL || b == 0 || needsCover(b, size)) return allocateSlow(size, seg, b);
  b = place(b, size, seg);
  SETSTART(b);
  addUsed(SIZE(b));
  ST().usedBlocks += 1;
  return block2mem(b);
}

/**
 * A free block of at least `size` bytes whose start the start table covers, or 0: where malloc
 * turns when the table cannot grow to cover the block its policy picked. Walks the free blocks
 * (a rare path, at the heap's limit); under segregated fits, the classes from the request's up.
 */
function findCoveredFit(size: usize): usize {
  if (POLICY() == Policy.SEGREGATED) return findSegCovered(size);
  const s = SENTINEL();
  for (let b = NEXT(s); b != s; b = NEXT(b)) {
    if (SIZE(b) >= size && isCoveredAt(b)) return b;
  }
  return 0;
}

/**
 * Empties the cache of small freed blocks (cache.ts): each of its blocks is freed for real, its
 * start record cleared and the block merged and listed. Returns whether there was any.
 */
export function flushCache(): bool {
  if (!CACHING || ST().cacheBlocks == 0) return false;
  for (let i: u32 = 0; i < CACHE_BINS; i++) {
    if ((i & 3) == 0 && cacheCounts4(i) == 0) {   // four empty bins at once
      i += 3;
      continue;
    }
    for (let b = cacheTake(i); b != 0; b = cacheTake(i)) {
      CLEARSTART(b);
      release(b);
    }
  }
  return true;
}

/**
 * malloc's rare paths, given the free block `b` (or 0) that the search found: deferred
 * coalescing, covering a free block's space with the start table before a split may put a
 * block start in it, and growing the heap.
 */
function allocateSlow(size: usize, seg: bool, b: usize): usize {
  // (The fast path has searched once already.) The cache is emptied before the heap grows or
  // the request fails: its blocks, merged, may serve it.
  if (b == 0) b = flushCache() ? findOrMerge(size) : mergeAndFind(size);
  while (b != 0 && needsCover(b, size)) {
    if (!coverTo(<u64>(b + SIZE(b) - size + AL_SIZE))) {
      // No room for the table's chunk, even at the heap's end: split b at its low end when the
      // table covers its start (the free rest needs no cover); a block whose start it does not
      // cover cannot become a used block, so another one that fits and whose start it covers
      // takes the request. (The minimal build, for size, gives up: its table can only fail to
      // grow at the 4 GiB ceiling.)
      if (!MINIMAL && !isCoveredAt(b)) b = findCoveredFit(size);
      b = b != 0 && isCoveredAt(b) ? place(b, size, false) : 0;
      break;
    }
    b = findOrMerge(size);                  // the table's new chunk may have taken b, its old one freed
  }
  if (b == 0) {
    // Growing: the start table must cover the new block's start, the heap's old end, first (a
    // free slack past it needs no cover). Whether it all fits is checked before anything moves.
    // Moving the table frees its old chunk, which may then take the request.
    if (!ownEnd()) return fail(ErrorCode.OUT_OF_MEMORY, 0);
    let want = seg ? endGrowth(size) : size;
    if (!MINIMAL && !growthFits(size, want)) {   // (the minimal build, whose limit is 4 GiB, skips it for size)
      if (want != size && growthFits(size, size)) want = size;
      // A table chunk left alone past the inline table's cover must not keep an emptied heap
      // from serving the request: move the table back inline, and try once more.
      else return tableBackInline() ? allocateSlow(size, seg, findOrMerge(size)) : fail(ErrorCode.OUT_OF_MEMORY, 0);
    }
    const st = ST();
    const chunk = st.tableBlock;
    if (!coverTo(growthCover(size, want))) return fail(ErrorCode.OUT_OF_MEMORY, 0);
    if (st.tableBlock != chunk) b = findOrMerge(size);
    if (b == 0) {
      b = seg ? growEnd(size, want) : growFor(size);
      if (b == 0) return fail(ErrorCode.OUT_OF_MEMORY, 0);
    }
  }
  if (!ISUSED(b)) b = place(b, size, seg);
  SETSTART(b);
  addUsed(SIZE(b));
  ST().usedBlocks += 1;
  return block2mem(b);
}

/** free: returns OK (also for 0), DOUBLE_FREE or INVALID_POINTER; on an error nothing changes. */
export function deallocate(ptr: usize): u32 {
  if (ptr == 0) return ErrorCode.OK;
  if (!MINIMAL && GUARDS && !ASC_FEATURE_THREADS && POLICY() == Policy.SEGREGATED && COALESCING() == Coalesce.IMMEDIATE) {
    // The default policy's free, with no call on its path: the table is read once for the
    // check and for the update. Any pointer it does not pass goes through the full check,
    // which records the error.
    ensureHeap();
    const st = ST();
    const b = mem2block(ptr);
    const kind = (ptr & AL_MASK) == 0 && b <= <usize>st.brk - EPILOGUE_SIZE - MIN_BLOCK ? STARTKIND(b) : 0;
    const h = kind != 0 ? HEADER(b) : 0;
    if ((h & (USED | INTERNAL)) == USED && b != <usize>st.tableBlock) {
      const size = <usize>(h & ~FLAGS_MASK);
      st.usedBytes -= <u32>size;
      st.usedBlocks -= 1;
      if (!cachePush(b, size, h)) {           // (a cached block stays recorded in the table)
        if (kind == 2) CLEARFIRST(b);
        releaseSeg(b);
      }
      if (CACHING && st.usedBlocks == 0) flushCache();   // an emptied heap is one free block again
      return ErrorCode.OK;
    }
  }
  const err = checkPointer(ptr);
  if (err != ErrorCode.OK) return err;
  const b = mem2block(ptr);
  const st = ST();
  const size = SIZE(b);
  st.usedBytes -= <u32>size;
  st.usedBlocks -= 1;
  CLEARSTART(b);
  if (!MINIMAL && POLICY() == Policy.SEGREGATED && COALESCING() == Coalesce.IMMEDIATE) releaseSeg(b);   // (no call)
  else release(b);
  return ErrorCode.OK;
}

/**
 * calloc: `count * size` zeroed bytes, or 0 when the product overflows or the heap cannot grow.
 * Above the old brk only a new free block's header, links and footer (and the epilogue) were
 * ever written, so the part below it is cleared, and the payload words where those links and
 * that footer may have been. A start table that moves frees its old chunk with its bytes in
 * place: a chunk from before the call lies below the old brk, but when the table moved twice in
 * the call, the chunk freed may have been written above it, so all of the block is cleared.
 */
export function callocate(count: usize, size: usize): usize {
  const total = <u64>count * <u64>size;
  const n = total > <u64>MAX_REQUEST ? <usize>-1 : <usize>total;   // (allocate refuses it)
  if (MINIMAL) {                            // smaller code: clear it all
    const p = allocate(n);
    if (p != 0) {
      memory.fill(p, 0, n);
      ST().bytesCleared += total;
    }
    return p;
  }
  ensureHeap();
  const st = ST();
  const moves = st.tableMoves;
  let fresh = <usize>st.brk;
  const p = allocate(n);
  if (st.tableMoves - moves > 1) fresh = <usize>-1;   // a chunk written in this call may have been freed
  if (p != 0) {
    const end = p + <usize>total;
    const dirtyEnd = end < fresh ? end : fresh;
    if (dirtyEnd > p) {
      memory.fill(p, 0, dirtyEnd - p);
      st.bytesCleared += <u64>(dirtyEnd - p);
    }
    // Above the old brk, growEnd wrote only a free block's links and footer: where this block's
    // payload begins and where the block ends.
    const blockEnd = mem2block(p) + SIZE(mem2block(p));
    if (blockEnd > fresh) {
      store<u64>(p, 0);
      store<u32>(blockEnd - BLOCK_OVERHEAD, 0);
    }
  }
  return p;
}

/**
 * Whether some free block could take `size` bytes (merging deferred free blocks first, as a
 * failed search does), so that realloc moves there rather than grow the heap under a block that
 * ends it while free space sits idle: live data that does not grow must not grow the heap, under
 * every policy. (The address-ordered policies pay their O(free blocks) search for it.)
 */
function anyFit(size: usize): bool {
  return findOrMerge(size) != 0;
}

/**
 * realloc: resizes the block at `ptr` to at least `n` bytes, keeping its contents up to the
 * smaller size. Shrinks in place; grows in place into a free right neighbour or at the heap's
 * end; otherwise moves. Returns the (possibly new) payload, or 0 with the old block untouched
 * (bad pointer, or no memory). realloc(0, n) is malloc(n); realloc(p, 0) shrinks p to the
 * minimum block and returns p.
 */
export function reallocate(ptr: usize, n: usize): usize {
  if (ptr == 0) return allocate(n);
  if (checkPointer(ptr) != ErrorCode.OK) return 0;
  if (n > MAX_REQUEST) return fail(ErrorCode.OUT_OF_MEMORY, 0);
  const st = ST();
  const size = request2size(n);
  const b = mem2block(ptr);
  const cur = SIZE(b);
  if (size <= cur) {
    shrink(b, size);
    return ptr;
  }
  // Growing in place starts no new block, so the start table need not grow for it (a chunk
  // taken now could land right where the block means to grow). The heap grows
  // under a block that ends it only when no free block could take the request instead: a block
  // placed at the top of a large free block would otherwise grow the heap on every cycle.
  ownEnd();                                 // (foreign build: a gap makes b no longer end the heap; a failure shows below)
  const right = b + cur;
  // A cached right neighbour is free to the user: free it for real, so that b can grow into it.
  if (CACHING && (HEADER(right) & (USED | INTERNAL)) == (USED | INTERNAL) && isCached(right)) {
    cacheRemove(right);
    CLEARSTART(right);
    release(right);
  }
  const flags = HEADER(b) & (USED | LEFT_USED);
  const rightFree = !ISUSED(right);
  const room = rightFree ? cur + SIZE(right) : cur;   // what b reaches in place
  if (room >= size) {                       // the free right neighbour is enough
    listRemove(right);
    SETHEADER(b, <u32>room | flags);
    SETLEFTUSED(b + room);
    ST().usedBytes += <u32>(room - cur);    // (the peak is taken once the shrink gave the tail back)
    shrink(b, size);
    addUsed(0);
    return ptr;
  }
  if (b + room == <usize>st.brk - EPILOGUE_SIZE && !anyFit(size) && sbrk(size - room) != 0) {
    if (rightFree) listRemove(right);       // the free right neighbour ends the heap: take it too
    SETHEADER(b, <u32>size | flags);        // the block now ends the heap, grown by the shortfall
    SETHEADER(b + size, USED | LEFT_USED);
    addUsed(size - cur);
    return ptr;
  }
  const peak = st.peakUsedBytes;            // (the old and new blocks are never both the user's)
  const q = allocate(n);
  if (q == 0) return 0;
  memory.copy(q, ptr, cur - BLOCK_OVERHEAD);
  st.usedBytes -= <u32>cur;
  st.usedBlocks -= 1;
  st.peakUsedBytes = peak;
  addUsed(0);
  CLEARSTART(b);
  release(b);
  return q;
}

/**
 * Aligned allocation: a payload of at least `n` bytes such that payload + `offset` (a multiple
 * of 8; 0 for plain aligned allocation) is a multiple of `align` (a power of two).
 * Over-allocates by the alignment, then frees the gap in front and the tail.
 */
export function allocateAligned(align: usize, n: usize, offset: usize = 0): usize {
  ensureHeap();
  if (align == 0 || (align & (align - 1)) != 0) return fail(ErrorCode.BAD_ALIGNMENT, align);
  if (align <= AL_SIZE) return allocate(n);
  const padded = <u64>(n < MIN_BLOCK ? MIN_BLOCK : n) + <u64>align + <u64>AL_SIZE;
  if (padded > <u64>MAX_REQUEST) return fail(ErrorCode.OUT_OF_MEMORY, 0);
  const peak = ST().peakUsedBytes;          // (the padding is never the user's: the peak is taken at the end)
  const p0 = allocate(<usize>padded);
  if (p0 == 0) return 0;
  let p1 = ((p0 + offset + align - 1) & ~(align - 1)) - offset;
  if (p1 != p0) {
    if (p1 - p0 < MIN_BLOCK) p1 += align;   // the gap in front must hold a free block
    const b0 = mem2block(p0);
    const b1 = mem2block(p1);
    // A block taken whole may reach past the start table (it grew in place, then was freed).
    if (GUARDS && !isCoveredAt(b1) && !coverTo(<u64>(b1 + AL_SIZE))) {
      const st = ST();
      st.usedBytes -= <u32>SIZE(b0);
      st.usedBlocks -= 1;
      CLEARSTART(b0);
      release(b0);
      return fail(ErrorCode.OUT_OF_MEMORY, 0);
    }
    const gap = p1 - p0;
    SETHEADER(b1, <u32>(SIZE(b0) - gap) | USED);
    SETSTART(b1);
    SETHEADER(b0, <u32>gap | USED | (HEADER(b0) & LEFT_USED));
    ST().usedBytes -= <u32>gap;             // b1 takes b0's place in usedBlocks
    CLEARSTART(b0);
    release(b0);
  }
  shrink(mem2block(p1), request2size(n));
  ST().peakUsedBytes = peak;
  addUsed(0);
  return p1;
}

/** The usable bytes of the live block at `ptr`: its size less the header. 0 for 0 or a bad pointer. */
export function usableSize_(ptr: usize): usize {
  if (ptr == 0) return 0;
  if (checkPointer(ptr) != ErrorCode.OK) return 0;
  return SIZE(mem2block(ptr)) - BLOCK_OVERHEAD;
}

/**
 * Foreign build: puts the heap's state at `base` (rounded up to 8) in memory that someone else
 * owns; the heap starts past the state and grows on pages that it grows itself (and the pages
 * that memory has now past `base`). With `fresh`, those bytes are cleared first, so that a heap is
 * set up there whatever the memory held; without it, a heap already at `base` is taken as it is
 * (and memory above its brk must be zero, as a program's memory past __heap_base is). BAD_CONFIG
 * in the other builds, when the heap was placed already, or for a base whose heap would start
 * past 4 GiB.
 */
export function placeHeap(base: usize, fresh: bool): u32 {
  if (FOREIGN) {                            // (compiled into the foreign build only: the others have no globals)
    if (foreignBase != 0 || base == 0) return ErrorCode.BAD_CONFIG;
    const at = (<u64>base + AL_MASK) & ~(<u64>AL_MASK);
    if (at + <u64>(HEAP_START() - STATE_ADDRESS()) + 64 > <u64>heapLimit(MAX_PAGES)) return ErrorCode.BAD_CONFIG;
    setForeignBase(<usize>at);
    ownMemory();
    // Memory above brk must be zero (calloc relies on it, as on fresh pages): with `fresh`, every
    // byte from the state to the memory's end is cleared.
    if (fresh) {
      const have = <u64>memory.size() << PAGE_BITS;
      if (have > at) memory.fill(<usize>at, 0, <usize>(have - at));
    }
    return ErrorCode.OK;
  }
  return ErrorCode.BAD_CONFIG;
}

/**
 * Foreign build: when someone else grew memory past the heap's pages, lays a gap across their
 * pages, so that the heap goes on growing on pages of its own past them. The gap is an internal
 * used block from the epilogue to 12 bytes into the heap's first new page, where the new epilogue
 * sits; only its header (the old epilogue) and its last 8 bytes are the heap's to write, and
 * only the header is written. Returns false when the heap cannot grow past them: the limit, the
 * engine, or GAP_SLOTS gaps already. Called before anything grows the heap's end.
 */
function skipForeign(): bool {
  if (!othersGrew()) return true;
  const st = ST();
  if (gapCount() >= GAP_SLOTS) return false;
  const ep = <usize>st.brk - EPILOGUE_SIZE;
  const at = <u64>memory.size() << PAGE_BITS;          // the heap's new pages will start here
  // The gap's start must be covered by the start table, like every used block's (I14). When the
  // table must move for it, its chunk goes on the new pages: claim room for it too.
  let room: u64 = 16;
  if (GUARDS && coveredEnd() < <u64>ep + AL_SIZE) room += <u64>chunkSize(chunkWindows(at + 16 - <u64>st.heapStart));
  const got = claimPages(room, heapLimit(st.maxPages));
  if (got == 0) return false;
  const size = <usize>got + 12 - ep;
  SETHEADER(ep, <u32>size | USED | INTERNAL | (HEADER(ep) & LEFT_USED));
  SETHEADER(<usize>got + 12, USED | LEFT_USED);
  st.brk = <u32>(got + 16);
  addGap(ep, size);
  if (GUARDS) {
    if (!coverTo(<u64>ep + AL_SIZE)) return false;   // (cannot happen: the room is claimed)
    SETSTART(ep);
  }
  return true;
}

/** Foreign build: skipForeign before the heap's end grows; nothing in the other builds. */
// @ts-ignore: decorator
@inline function ownEnd(): bool {
  return !FOREIGN || skipForeign();
}

/** Sets the heap up with explicit choices; the ErrorCode is the only report. See setupHeap. */
export function configure(policy: u32, coalesce: u32, initialPages: u32, maxPages: u32): u32 {
  return setupHeap(policy, coalesce, initialPages, maxPages);
}
