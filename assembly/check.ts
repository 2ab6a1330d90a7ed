// The heap checker: one walk over every block and, in step with it, over the free list.
//
// The invariants, by number. heap_check returns the number of the first one that fails (0 when
// all hold) and leaves the offending address in the state's checkAddress.
//
//   I1  The state is sound: magic set, policy and coalescing mode in range, heapStart where the
//       layout puts it, brk 8-aligned, heapStart + 12 <= brk <= memory bytes, and brk within
//       maximumPages.
//   I2  The prologue is intact: its header is PROLOGUE_SIZE | L | U.
//   I3  Every block is at least MIN_BLOCK bytes.
//   I4  Every payload is 8-aligned: headers sit at 4 (mod 8) and every size is a multiple of 8,
//       so a free block's third header bit is 0 (on a used block it is the I or C flag).
//   I5  No block runs past the epilogue: block + size <= brk - 4.
//   I6  The walk ends exactly at the epilogue, a used header of size 0 at brk - 4, so
//       PROLOGUE_SIZE + (sum of block sizes) + EPILOGUE_SIZE == extent.
//   I7  Each block's L bit (and the epilogue's) equals its left neighbour's U bit.
//   I8  A free block's footer equals its size.
//   I9  Under immediate coalescing, no two free blocks are adjacent.
//   I10 The free list holds exactly the free blocks, in ascending address order, with
//       PREV(NEXT(b)) == b throughout. Under the segregated policy: each class list holds exactly
//       the free blocks of its class, linked both ways, and the class bitmaps say which lists
//       are not empty (fit/segregated.ts).
//   I11 The statistics agree with the walk: usedBytes == sum of used user-block sizes (cached
//       blocks are not the user's: I18),
//       usedBlocks and freeBlocks == the counts, guardBytes == sum of table-chunk sizes,
//       usedBytes <= peakUsedBytes; in the foreign build, the gaps listed are internal blocks met
//       in that order, with the bytes recorded.
//   I12 The rover is the sentinel or a block on the free list.
//   I13 The start table names, for every 64-byte window it covers, the first used block that
//       starts in it, and holds 0 for a window where none does (starts.ts).
//   I14 The start table covers every used block's start, and at least the first 1 MiB: it is
//       the table inline in the state, or it lies in its chunk, a used block inside the heap
//       large enough for it. (The heap may reach past the covered windows: a block that grew in
//       place started no new block, and a free block needs no cover.)
//   I18 The cache of small freed blocks (cache.ts): each bin holds at most CACHE_CAP blocks,
//       its count of them, each a used block of the bin's size with the C flag and its key
//       word; the victim word names at most one such block, of CACHE_MAX + 8 to VICTIM_MAX
//       bytes, with its count; the counts add up to the cached blocks that the walk meets, and
//       cacheBytes is their bytes (they are not in usedBytes). (I15 to I17 are the debug heap's: debug.ts.)

import { AL_MASK, Coalesce, COALESCE_COUNT, DEBUG, FOREIGN, PAGE_BITS, POLICY_COUNT } from "./common";
import { classOf, segBit, segHead, segLargest } from "./fit/segregated";
import {
  BLOCK_OVERHEAD, CACHED, EPILOGUE_SIZE, INTERNAL, FLAGS_MASK, FOOTER, HEADER, LEFT_USED, MIN_BLOCK, NEXT, PREV, PROLOGUE_SIZE,
  SIZE, USED, block2mem,
} from "./block";
import { heapLimit } from "./brk";
import { CACHE_CAP, CACHE_MAX, CACHING, VICTIM_MAX, cacheBin, cacheBlockCount, cacheCount, cacheKeyed, cacheNext, isCached } from "./cache";
import { QUARANTINED } from "./debug";
import {
  CHUNK_PREFIX, GUARDS, SLOT_BITS, WINDOW_BITS, isChunk, isCovered, windowEntry, windowPos,
} from "./starts";
import {
  CACHE_BINS, HEAP_START, SEG_CLASSES, SENTINEL, START_TABLE0, START_WINDOWS0, ST, STATE_MAGIC,
  gapAt, gapBytes, gapCount,
} from "./state";
import { SEGREGATED, isSegregated } from "./fit/policy";

/** Records where invariant `n` failed and returns `n`. */
function violated(n: u32, address: usize): u32 {
  ST().checkAddress = <u32>address;
  return n;
}

/** Walks the heap. Returns 0 when every invariant holds, else the first failing one's number. */
export function checkHeap(): u32 {
  const st = ST();
  const s = SENTINEL();
  const start = <usize>st.heapStart;
  const brk = <usize>st.brk;
  const stateAddr = changetype<usize>(st);

  // I1
  if (st.magic != STATE_MAGIC || st.policy >= POLICY_COUNT || st.coalesce >= COALESCE_COUNT) {
    return violated(1, stateAddr);
  }
  if (start != HEAP_START() || (brk & AL_MASK) != 0 || <u64>start + PROLOGUE_SIZE + EPILOGUE_SIZE > <u64>brk) {
    return violated(1, stateAddr);
  }
  if (<u64>brk > (<u64>memory.size() << PAGE_BITS) || <u64>brk > heapLimit(st.maxPages)) {
    return violated(1, stateAddr);
  }
  // I2
  if (HEADER(start) != (<u32>PROLOGUE_SIZE | USED | LEFT_USED)) return violated(2, start);
  // I14, before any byte of the table is read
  const c = <usize>st.tableBlock;
  if (GUARDS) {
    const windows = <usize>st.windows;
    if (c == 0 ? st.table != <u32>START_TABLE0() || windows != START_WINDOWS0 : windows < START_WINDOWS0 ||
        <u64>windows << WINDOW_BITS > <u64>1 << 32 ||
        c < start + PROLOGUE_SIZE || c > brk - EPILOGUE_SIZE - MIN_BLOCK || (c & AL_MASK) != 4 ||
        (HEADER(c) & USED) == 0 || SIZE(c) > brk - EPILOGUE_SIZE - c || <usize>st.table != block2mem(c) + CHUNK_PREFIX ||
        SIZE(c) < windows + CHUNK_PREFIX + BLOCK_OVERHEAD) {
      return violated(14, c == 0 ? stateAddr : c);
    }
  }

  const epilogue = brk - EPILOGUE_SIZE;
  const immediate = st.coalesce == Coalesce.IMMEDIATE;
  const seg = isSegregated(st.policy);
  let leftUsed = true;
  let usedBytes: usize = 0;
  let usedBlocks: u32 = 0;
  let guardBytes: usize = 0;
  let guardBlocks: u32 = 0;
  let freeBlocks: u32 = 0;
  let cachedBytes: usize = 0;
  let cachedBlocks: u32 = 0;
  let gapsWalked: usize = 0;                // foreign build: the gaps' bytes, met in the order GAPS lists them
  let gapSeen: u32 = 0;
  let expect = NEXT(s);                     // the next free block the list promises
  let prevFree = s;
  let roverSeen = <usize>st.rover == s;
  let b = start + PROLOGUE_SIZE;
  while (b != epilogue) {
    const h = HEADER(b);
    const size = SIZE(b);
    const used = (h & USED) != 0;
    const allowed = used ? USED | LEFT_USED | INTERNAL : LEFT_USED;   // (INTERNAL is CACHED in the shared build)
    if ((block2mem(b) & AL_MASK) != 0 || (h & FLAGS_MASK & ~allowed) != 0) return violated(4, b);
    if (size < MIN_BLOCK) return violated(3, b);
    if (size > epilogue - b) return violated(5, b);
    if (((h & LEFT_USED) != 0) != leftUsed) return violated(7, b);
    const chunk = used && isChunk(b);
    if (GUARDS && used && !isCovered(b - start)) return violated(14, b);   // (a free block may lie past the cover)
    if (chunk) {
      guardBytes += size;
      guardBlocks += 1;
    } else if (FOREIGN && used && gapSeen < gapCount() && gapAt(gapSeen) == b) {
      if ((h & INTERNAL) == 0) return violated(11, b);
      gapsWalked += size;
      gapSeen += 1;
    } else if (used) {
      if (CACHING && (h & INTERNAL) != 0 && isCached(b)) {
        cachedBytes += size;
        cachedBlocks += 1;
      } else {
        usedBytes += size;
        usedBlocks += 1;
      }
    } else {
      if (FOOTER(b, size) != size) return violated(8, b);
      if (immediate && !leftUsed) return violated(9, b);
      if (!seg && (b != expect || PREV(b) != prevFree)) return violated(10, b);
      if (<usize>st.rover == b) roverSeen = true;
      prevFree = b;
      expect = NEXT(b);
      freeBlocks += 1;
    }
    leftUsed = used;
    b += size;
  }
  // I6
  if (SIZE(b) != 0 || (HEADER(b) & USED) == 0) return violated(6, b);
  // I7 for the epilogue
  if (((HEADER(b) & LEFT_USED) != 0) != leftUsed) return violated(7, b);
  // I10: the list ends where the free blocks end, and its tail agrees (the segregated policy's
  // class lists are checked on their own)
  if (!seg && (expect != s || PREV(s) != prevFree)) return violated(10, expect != s ? expect : s);
  if (seg) {
    const bad = checkClasses(start, epilogue, freeBlocks);
    if (bad != 0) return violated(10, bad);
  }
  // I11
  if (usedBytes != <usize>st.usedBytes || usedBlocks != st.usedBlocks || freeBlocks != st.freeBlocks ||
      guardBytes != <usize>st.guardBytes || st.usedBytes > st.peakUsedBytes ||
      gapSeen != gapCount() || gapsWalked != <usize>gapBytes()) {
    return violated(11, stateAddr);
  }
  // I12
  if (!roverSeen) return violated(12, <usize>st.rover);
  if (GUARDS) {
    if (guardBlocks != (c != 0 ? 1 : 0)) return violated(14, c != 0 ? c : stateAddr);
    const bad = checkStartTable(start, epilogue);
    if (bad != 0) return violated(13, bad);
  }
  // I18
  if (CACHING) {
    if (cachedBlocks != cacheBlockCount() || cachedBytes != <usize>st.cacheBytes) return violated(18, stateAddr);
    const bad = checkCache(start, epilogue);
    if (bad != 0) return violated(18, bad);
  }
  return 0;
}

/**
 * I18: each bin of the cache holds its count of used, flagged and keyed blocks of its size
 * (cache.ts), at most CACHE_CAP, and the victim word at most one such block of a size above the
 * bins', with its count. Returns 0, or the block or state where they differ.
 */
function checkCache(start: usize, epilogue: usize): usize {
  const stateAddr = changetype<usize>(ST());
  for (let i: u32 = 0; i <= CACHE_BINS; i++) {   // (bin CACHE_BINS is the victim: one block, of any size it holds)
    const victim = i == CACHE_BINS;
    const size = (<usize>i + 2) << 3;
    let n: u32 = 0;
    for (let b = cacheBin(i); b != 0; b = cacheNext(b)) {
      n += 1;
      if (n > (victim ? 1 : CACHE_CAP)) return stateAddr;   // (also ends a cycle)
      if (b < start + PROLOGUE_SIZE || b > epilogue - MIN_BLOCK || (b & AL_MASK) != 4) return b;
      const fits = victim ? SIZE(b) > CACHE_MAX && SIZE(b) <= VICTIM_MAX : SIZE(b) == size;
      if ((HEADER(b) & (USED | CACHED)) != (USED | CACHED) || !fits || !cacheKeyed(b)) return b;
    }
    if (n != cacheCount(i)) return stateAddr;
  }
  return 0;
}

/**
 * I13: walks the blocks and compares every covered window's table byte with the first used block
 * that starts in it (0 where none does). Returns 0, or the block or window where they differ.
 */
function checkStartTable(start: usize, epilogue: usize): usize {
  const windows = <usize>ST().windows << (WINDOW_BITS - SLOT_BITS);   // (two to a table byte)
  let w: usize = 0;                         // the first window not yet checked
  for (let b = start + PROLOGUE_SIZE; b != epilogue; b += SIZE(b)) {
    const o = b - start;
    const bw = o >> SLOT_BITS;
    if (bw < w || (HEADER(b) & USED) == 0) continue;   // not the first used block in its window
    if (bw >= windows) return b;            // a used block past the covered windows (I14 has seen to that)
    for (; w < bw; w++) if (windowEntry(w) != 0) return start + (w << SLOT_BITS);
    if (windowEntry(bw) != windowPos(o)) return b;
    w = bw + 1;
  }
  for (; w < windows; w++) if (windowEntry(w) != 0) return start + (w << SLOT_BITS);
  return 0;
}

/**
 * Checks the segregated policy's class lists against the `freeBlocks` free blocks the walk found.
 * Returns 0, or the address (a block, or the state) where something is wrong.
 */
function checkClasses(start: usize, epilogue: usize, freeBlocks: u32): usize {
  const stateAddr = changetype<usize>(ST());
  let listed: u32 = 0;
  for (let c: u32 = 0; c < SEG_CLASSES; c++) {
    const head = segHead(c);
    if ((head != 0) != segBit(c)) return stateAddr;
    let prev: usize = 0;
    for (let b = head; b != 0; b = NEXT(b)) {
      listed += 1;
      if (listed > freeBlocks) return b;       // more listed than free: a cycle or a stray entry
      if (b < start + PROLOGUE_SIZE || b > epilogue - MIN_BLOCK || (b & AL_MASK) != 4) return b;
      if ((HEADER(b) & (USED | INTERNAL)) != 0 || SIZE(b) < MIN_BLOCK || SIZE(b) > epilogue - b ||
          FOOTER(b, SIZE(b)) != SIZE(b) || classOf(SIZE(b)) != c || PREV(b) != prev) return b;
      prev = b;
    }
  }
  return listed == freeBlocks ? 0 : stateAddr;
}

/**
 * The largest free block's size, from a walk of the free list. The walk stops after freeBlocks
 * steps, so a corrupted list cannot make it loop.
 */
export function largestFree(): usize {
  if (SEGREGATED()) return segLargest();
  const s = SENTINEL();
  let best: usize = 0;
  let steps = ST().freeBlocks;
  for (let b = NEXT(s); b != s && steps != 0; b = NEXT(b), steps--) {
    const size = SIZE(b);
    if (size > best) best = size;
  }
  return best;
}

/** The block after `b` in address order (the first block for 0), or 0 past the last block. */
export function walkNext(b: usize): usize {
  const st = ST();
  const next = b == 0 ? <usize>st.heapStart + PROLOGUE_SIZE : b + SIZE(b);
  return next < <usize>st.brk - EPILOGUE_SIZE ? next : 0;
}

/**
 * 0 free, 1 used, 2 internal (the start table's chunk, a pool's or arena's block), 3 quarantined
 * (debug heap), 4 cached (freed, in the cache of small blocks: cache.ts).
 */
export function blockKind(b: usize): u32 {
  if ((HEADER(b) & USED) == 0) return 0;
  if (!ASC_FEATURE_THREADS && (HEADER(b) & INTERNAL) != 0 && isCached(b)) return 4;
  if (isChunk(b) || (!ASC_FEATURE_THREADS && (HEADER(b) & INTERNAL) != 0)) return 2;
  if (DEBUG && load<u32>(b + BLOCK_OVERHEAD, 8) == QUARANTINED) return 3;
  return 1;
}
