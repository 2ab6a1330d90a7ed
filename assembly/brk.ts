// brk: the one module that calls memory.grow.
//
// The heap's end (brk) moves up by exactly the bytes asked for. Memory pages are grown behind it:
// below GROW_AHEAD_FROM only as many as needed, so a small heap's memory stays within a page of
// its extent; above it, the whole pages that fit in 1/20 of the memory beyond what is needed,
// which keeps memory.grow calls to O(log size) at the price of memory up to 5% beyond the heap's
// end. WebAssembly memory never shrinks, so neither does brk. (docs/design.md has the
// measurements behind the step.)
//
// In memory that someone else owns (the foreign build), others may grow memory too, so brk never
// assumes that memory ends where it left it: the heap owns the pages up to ownPages (all of
// memory when the heap was placed, and every run of pages that its own memory.grow returned).
// When memory has grown past ownPages, the pages between are someone else's: coverMemory refuses
// to grow over them, and setup.ts (skipForeign) first lays a gap block across them with claimPages.

import { BRK_LIMIT, FOREIGN, MAX_PAGES, MINIMAL, PAGE_BITS, PAGE_SIZE } from "./common";

/** Memory from which growth runs ahead of the heap's end (1 MiB; below 1.25 MiB, 1/20 is under a page anyway). */
// @ts-ignore: decorator
@inline const GROW_AHEAD_FROM: u64 = 1 << 20;
import { ST } from "./state";

/**
 * Makes sure that memory covers [0, end). Returns the number of memory.grow calls made (0 or 1),
 * or -1 when memory cannot grow that far (the engine refused, or `end` is past `limit`).
 */
export function coverMemory(end: u64, limit: u64): i32 {
  const have = <u64>(FOREIGN ? ownPages : memory.size()) << PAGE_BITS;
  if (end <= have) return 0;
  if (end > limit) return -1;
  if (othersGrew()) return -1;              // the next pages are someone else's (setup.ts, skipForeign)
  const needed = <i32>((end - have + <u64>PAGE_SIZE - 1) >> PAGE_BITS);
  if (have >= GROW_AHEAD_FROM) {
    const ahead = end + have / 20;
    const want = ahead < limit ? ahead : limit;
    const pages = <i32>((want - have) >> PAGE_BITS);   // whole pages only, so memory stays within end + 1/20
    if (pages > needed && grow(pages)) return 1;
  }
  return grow(needed) ? 1 : -1;             // exactly what is needed, or when the engine refused more
}

/** Foreign build: memory pages below this are the heap's or were there when it was placed. */
let ownPages: i32 = 0;

/** memory.grow, the only call of it, keeping ownPages. */
function grow(pages: i32): bool {
  if (memory.grow(pages) < 0) return false;
  if (FOREIGN) ownPages = memory.size();
  return true;
}

/** Foreign build: takes memory as it is now as the heap's to grow from (heap_place). */
export function ownMemory(): void {
  ownPages = memory.size();
}

/** Foreign build: whether memory grew past the pages the heap owns (someone else grew it). */
// @ts-ignore: decorator
@inline export function othersGrew(): bool {
  return FOREIGN && memory.size() != ownPages;
}

/**
 * Foreign build: grows memory by the pages that hold `bytes`, wherever memory ends now, and
 * returns the address of the first new page, or 0 when that would pass `limit` or the engine
 * refused. Counted in growCalls.
 */
export function claimPages(bytes: u64, limit: u64): u64 {
  const at = <u64>memory.size() << PAGE_BITS;
  const pages = (bytes + <u64>PAGE_SIZE - 1) >> PAGE_BITS;
  if (at + (pages << PAGE_BITS) > limit || !grow(<i32>pages)) return 0;
  ST().growCalls += 1;
  return at;                                // (one thread: the new pages start where memory ended)
}

/** The highest address this heap may use: its maxPages, and never past BRK_LIMIT. */
// @ts-ignore: decorator
@inline export function heapLimit(maxPages: u32): u64 {
  const bytes = <u64>maxPages << PAGE_BITS;
  return bytes < BRK_LIMIT ? bytes : BRK_LIMIT;
}

/**
 * Moves brk up by `bytes` (a multiple of 8) and returns the old brk, or 0 when the heap cannot
 * grow. The new bytes above the old brk have never been written: they are zero.
 */
export function sbrk(bytes: usize): usize {
  const st = ST();
  const old = <usize>st.brk;
  const end = <u64>old + <u64>bytes;
  const limit = heapLimit(MINIMAL ? MAX_PAGES : st.maxPages);   // (the minimal build's heap may use all memory)
  if (end > limit) return 0;
  const grew = coverMemory(end, limit);
  if (grew < 0) return 0;
  st.growCalls += <u32>grew;
  st.brk = <u32>end;
  return old;
}
