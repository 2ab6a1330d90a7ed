// realloc and usable size: shrinking in place, growing in place into a free right neighbour or at
// the heap's end, or moving.

import { ErrorCode } from "./common";
import {
  BLOCK_OVERHEAD, EPILOGUE_SIZE, HEADER, INTERNAL, ISUSED, LEFT_USED, MAX_REQUEST, MIN_BLOCK,
  SETHEADER, SETLEFTUSED, SIZE, USED, mem2block, request2size,
} from "./block";
import { sbrk } from "./brk";
import { release, retire } from "./coalesce";
import { CACHING, cacheRemove, isCached } from "./cache";
import { ST } from "./state";
import { allocate } from "./alloc";
import { checkPointer } from "./guard";
import { findOrMerge } from "./place";
import { listRemove } from "./fit/policy";
import { addUsed, fail, ownEnd } from "./setup";

/**
 * Splits the used block `b` down to `size` bytes when the rest makes a block, and frees the rest
 * (which merges with a free right neighbour). The rest is a free block, which the start table
 * need not cover, so a shrink always gives its tail back and never moves the table.
 */
export function shrink(b: usize, size: usize): void {
  const rem = SIZE(b) - size;
  if (rem < MIN_BLOCK) return;
  SETHEADER(b, <u32>size | (HEADER(b) & (USED | LEFT_USED)));
  const r = b + size;
  SETHEADER(r, <u32>rem | USED | LEFT_USED);
  ST().usedBytes -= <u32>rem;
  release(r);
}

/**
 * Whether some free block could take `size` bytes (merging deferred free blocks first, as a
 * failed search does), so that realloc moves there rather than grow the heap under a block that
 * ends it while free space sits idle: live data that does not grow must not grow the heap, under
 * every policy. (The address-ordered policies pay their O(free blocks) search for it.)
 */
export function anyFit(size: usize): bool {
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
    retire(right);
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
  retire(b);
  return q;
}

/** The usable bytes of the live block at `ptr`: its size less the header. 0 for 0 or a bad pointer. */
export function usableSize_(ptr: usize): usize {
  if (ptr == 0) return 0;
  if (checkPointer(ptr) != ErrorCode.OK) return 0;
  return SIZE(mem2block(ptr)) - BLOCK_OVERHEAD;
}
