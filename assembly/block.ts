// The block layout: the one file that knows where headers, links and footers sit.
//
// Both kinds of block start with a 32-bit header. Sizes are multiples of 8, so the low three
// bits of the header are free for flags. Headers sit at addresses ≡ 4 (mod 8), which puts
// every payload on an 8-byte boundary.
//
//  Used block                                    Free block
//   3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
//  ├─────────────────────────────────────────────────────────┼─┼─┼─┤
//  │                    size (multiple of 8)                 │0│L│U│  header  @ block + 0
//  ╞═════════════════════════════════════════════════════════╧═╧═╧═╡  >ptr   @ block + 4
//  │                                                               │
//  │              payload: size - 4 usable bytes                   │
//  │         (a used block has no footer: the next header's        │
//  │          L bit already says that this block is in use)        │
//  └───────────────────────────────────────────────────────────────┘
//
//  ├─────────────────────────────────────────────────────────┼─┼─┼─┤
//  │                    size (multiple of 8)                 │0│L│0│  header  @ block + 0
//  ├───────────────────────────────────────────────────────────────┤
//  │         next free block (address order; the sentinel ends)    │  NEXT    @ block + 4
//  ├───────────────────────────────────────────────────────────────┤
//  │         previous free block                                   │  PREV    @ block + 8
//  ├───────────────────────────────────────────────────────────────┤
//  │                       ... unused ...                          │
//  ├───────────────────────────────────────────────────────────────┤
//  │         size (the boundary tag)                               │  footer  @ block + size - 4
//  └───────────────────────────────────────────────────────────────┘
//
//  U: this block is used.   L: the block to the left is used.
//  bit 2: 0 on a free block; on a used block, that it is not the user's to free:
//    I (plain builds): an internal block, one the user was never given (a pool's or arena's
//      descriptor or chunk; in the foreign build, a gap over pages that someone else grew, whose
//      header and last 8 bytes alone are the heap's): free, realloc and usableSize refuse it as an
//      invalid pointer.
//    C (release and foreign builds): a freed block waiting in the cache of small blocks
//      (cache.ts), still a used block to its neighbours. The check tells it from an internal
//      block by finding it in its bin, and refuses it as a double free.
//    C (shared build): a used block waiting in a worker's cache (shared.ts), so that freeing it
//      again is still a double free; internal blocks carry it too, and are refused the same way.
//
// The smallest block is a free one's header, two links and a footer: 16 bytes, 12 of them
// usable once it is in use. A used block costs one word of overhead.
//
// The heap, from heapStart (≡ 4 mod 8) to brk (≡ 0 mod 8):
//
//   ┌──────────┬─────────┬─────────┬─ ··· ─┬──────────┐
//   │ prologue │ block 1 │ block 2 │       │ epilogue │
//   │ 8|L|U    │         │         │       │ 0|?|U    │
//   └──────────┴─────────┴─────────┴─ ··· ─┴──────────┘
//   heapStart                                brk-4      brk

import { AL_MASK, WORD } from "./common";

/** Header flag: this block is in use. */
// @ts-ignore: decorator
@inline export const USED: u32 = 1 << 0;
/** Header flag: the block to the left is in use. */
// @ts-ignore: decorator
@inline export const LEFT_USED: u32 = 1 << 1;
/** A used block held in a cache: the heap's (cache.ts) or, in the shared build, a worker's. */
// @ts-ignore: decorator
@inline export const CACHED: u32 = 1 << 2;
/** A used block that is the allocator's own (a pool's or arena's descriptor or chunk): never the user's to free. */
// @ts-ignore: decorator
@inline export const INTERNAL: u32 = 1 << 2;   // the same bit as CACHED: neither is ever the user's to free
/** All flag bits, including the reserved one. */
// @ts-ignore: decorator
@inline export const FLAGS_MASK: u32 = <u32>AL_MASK;  // <= AL_MASK: flags live in the alignment slack

/** Bytes before the payload: the header. */
// @ts-ignore: decorator
@inline export const BLOCK_OVERHEAD: usize = WORD;
/** Offset of the next-free link in a free block. */
// @ts-ignore: decorator
@inline export const NEXT_OFFSET: usize = WORD;
/** Offset of the previous-free link in a free block. */
// @ts-ignore: decorator
@inline export const PREV_OFFSET: usize = 2 * WORD;
/** Header, two links and a footer. */
// @ts-ignore: decorator
@inline export const MIN_BLOCK: usize = 4 * WORD;
/** The prologue: a header and one word of padding that aligns the first payload. */
// @ts-ignore: decorator
@inline export const PROLOGUE_SIZE: usize = 2 * WORD;
/** The epilogue is a lone header. */
// @ts-ignore: decorator
@inline export const EPILOGUE_SIZE: usize = WORD;
/** The largest request: request2size stays below 2^32 for every size up to it. */
// @ts-ignore: decorator
@inline export const MAX_REQUEST: usize = <usize>0xFFFF_FFFF - (<usize>1 << 16);

/** The header word of the block at `b`. */
// @ts-ignore: decorator
@inline export function HEADER(b: usize): u32 { return load<u32>(b); }
/** Writes the header word of the block at `b`. */
// @ts-ignore: decorator
@inline export function SETHEADER(b: usize, h: u32): void { store<u32>(b, h); }
/** The size of the block at `b`, flags masked off. */
// @ts-ignore: decorator
@inline export function SIZE(b: usize): usize { return <usize>(load<u32>(b) & ~FLAGS_MASK); }
/** Whether the block at `b` is in use. */
// @ts-ignore: decorator
@inline export function ISUSED(b: usize): bool { return (load<u32>(b) & USED) != 0; }
/** Whether the block to the left of `b` is in use. */
// @ts-ignore: decorator
@inline export function ISLEFTUSED(b: usize): bool { return (load<u32>(b) & LEFT_USED) != 0; }
/** The block to the right of `b`. */
// @ts-ignore: decorator
@inline export function GETRIGHT(b: usize): usize { return b + SIZE(b); }
/** The free block to the left of `b`, found through its footer. Only valid when !ISLEFTUSED(b). */
// @ts-ignore: decorator
@inline export function GETFREELEFT(b: usize): usize { return b - <usize>load<u32>(b - WORD); }
/** Writes the boundary tag of the free block at `b` of `size` bytes. */
// @ts-ignore: decorator
@inline export function SETFOOTER(b: usize, size: usize): void { store<u32>(b + size - WORD, <u32>size); }
/** The footer word of the block at `b` of `size` bytes. */
// @ts-ignore: decorator
@inline export function FOOTER(b: usize, size: usize): usize { return <usize>load<u32>(b + size - WORD); }
/**
 * Sets the L bit in the header of the block at `b`. In the shared build the block may be a used
 * block whose C bit a worker sets or clears without the lock, so the update is atomic.
 */
// @ts-ignore: decorator
@inline export function SETLEFTUSED(b: usize): void {
  if (ASC_FEATURE_THREADS) atomic.or<u32>(b, LEFT_USED);
  else store<u32>(b, load<u32>(b) | LEFT_USED);
}
/** Clears the L bit in the header of the block at `b` (atomically in the shared build). */
// @ts-ignore: decorator
@inline export function CLEARLEFTUSED(b: usize): void {
  if (ASC_FEATURE_THREADS) atomic.and<u32>(b, ~LEFT_USED);
  else store<u32>(b, load<u32>(b) & ~LEFT_USED);
}
/** The next free block after `b`. */
// @ts-ignore: decorator
@inline export function NEXT(b: usize): usize { return <usize>load<u32>(b, NEXT_OFFSET); }
/** The previous free block before `b`. */
// @ts-ignore: decorator
@inline export function PREV(b: usize): usize { return <usize>load<u32>(b, PREV_OFFSET); }
/** Sets the next link of `b`. */
// @ts-ignore: decorator
@inline export function SETNEXT(b: usize, n: usize): void { store<u32>(b, <u32>n, NEXT_OFFSET); }
/** Sets the previous link of `b`. */
// @ts-ignore: decorator
@inline export function SETPREV(b: usize, p: usize): void { store<u32>(b, <u32>p, PREV_OFFSET); }

/** The payload of the block at `b`. */
// @ts-ignore: decorator
@inline export function block2mem(b: usize): usize { return b + BLOCK_OVERHEAD; }
/** The block whose payload is `ptr`. */
// @ts-ignore: decorator
@inline export function mem2block(ptr: usize): usize { return ptr - BLOCK_OVERHEAD; }
/** The block size that serves a request of `n` bytes (n <= MAX_REQUEST). */
// @ts-ignore: decorator
@inline export function request2size(n: usize): usize {
  const s = (n + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK;
  return s < MIN_BLOCK ? MIN_BLOCK : s;
}
