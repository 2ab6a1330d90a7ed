// malloc, calloc and aligned allocation: the default policy's fast path, and the rare paths
// (deferred merging, covering a block with the start table, growing) in allocateSlow.

import { AL_SIZE, ErrorCode, MINIMAL } from "./common";
import {
  BLOCK_OVERHEAD, HEADER, INTERNAL, ISUSED, LEFT_USED, MAX_REQUEST, MIN_BLOCK, SETHEADER, SIZE,
  USED, block2mem, mem2block, request2size,
} from "./block";
import { retire } from "./coalesce";
import { GUARDS, SETSTART, isCoveredAt } from "./starts";
import { CACHING, cachePop } from "./cache";
import { ST } from "./state";
import { flushCache } from "./free";
import { chunkWouldTake, coverTo, growthCover, growthFits, needsCover, tableBackInline } from "./guard";
import { findOrMerge, growEnd, growFor, mergeAndFind, place } from "./place";
import { findCoveredFit, findFit, SEGREGATED } from "./fit/policy";
import { endGrowth, findSegFitInline, placeSeg } from "./fit/segregated";
import { shrink } from "./realloc";
import { addUsed, ensureHeap, fail, ownEnd } from "./setup";

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

/** malloc: a payload of at least `n` bytes, 8-aligned, or 0 when the heap cannot grow. */
export function allocate(n: usize): usize { return allocateInline(n); }

/**
 * allocate's steps, inlined into the exported malloc (index.ts), as deallocate's are into free:
 * a call from JS then runs them with no wasm call in between (the call more cost a malloc and
 * free pair from JS 2.6–3.1 ns, 4%; bench/RESULTS.md, 2026-11-30). Every other caller shares
 * allocate's one copy.
 */
// @ts-ignore: decorator
@inline export function allocateInline(n: usize): usize {
  ensureHeap();
  if (n > MAX_REQUEST) return fail(ErrorCode.OUT_OF_MEMORY, 0);
  const size = request2size(n);
  const seg = SEGREGATED();
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
 * malloc's rare paths, given the free block `b` (or 0) that the search found: deferred
 * coalescing, covering a free block's space with the start table before a split may put a
 * block start in it, and growing the heap.
 */
export function allocateSlow(size: usize, seg: bool, b: usize): usize {
  // (The fast path has searched once already.) The cache is emptied before the heap grows or
  // the request fails: its blocks, merged, may serve it.
  if (b == 0) b = flushCache() ? findOrMerge(size) : mergeAndFind(size);
  while (b != 0 && needsCover(b, size)) {
    const cover = <u64>(b + SIZE(b) - size + AL_SIZE);
    if ((!MINIMAL && chunkWouldTake(b, size, cover)) || !coverTo(cover)) {
      // No room for the table's chunk, even at the heap's end, or none but in b, which would then
      // be too small: split b at its low end when the table covers its start (the free rest
      // needs no cover); a block whose start it does not cover cannot become a used block, so
      // another one that fits and whose start it covers takes the request. (The minimal build,
      // for size, gives up: its table can only fail to grow at the 4 GiB ceiling.)
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
      retire(b0);
      return fail(ErrorCode.OUT_OF_MEMORY, 0);
    }
    const gap = p1 - p0;
    SETHEADER(b1, <u32>(SIZE(b0) - gap) | USED);
    SETSTART(b1);
    SETHEADER(b0, <u32>gap | USED | (HEADER(b0) & LEFT_USED));
    ST().usedBytes -= <u32>gap;             // b1 takes b0's place in usedBlocks
    retire(b0);
  }
  shrink(mem2block(p1), request2size(n));
  ST().peakUsedBytes = peak;
  addUsed(0);
  return p1;
}
