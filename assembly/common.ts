// Shared constants and the vocabulary of the allocator.
//
// Glossary
//   block     A header word followed by the bytes it governs. A block starts at its header.
//   payload   The bytes handed to the user: ptr = block + BLOCK_OVERHEAD (chunk2mem).
//   used/free A used block belongs to the user; a free block is on the free list.
//   prologue  A used block of PROLOGUE_SIZE bytes at heapStart, so the first real block always
//             has a used left neighbour.
//   epilogue  A used header of size 0 in the last word below brk: the end-of-heap marker.
//   brk       The end of the heap. It only moves up (wasm memory never shrinks), and only
//             brk.ts moves it; memory pages are grown behind it as needed.
//   extent    brk - heapStart: what brk has handed the allocator.
//             extent == PROLOGUE_SIZE + (sum of all block sizes) + EPILOGUE_SIZE.
//   state     The heap's bookkeeping (free-list roots, rover, statistics) in linear memory at
//             __heap_base, never in wasm globals, so that several instances can share it.

/** Alignment of every payload, as a power of two. */
// @ts-ignore: decorator
@inline export const AL_BITS: u32 = 3;
/** Payload alignment in bytes. */
// @ts-ignore: decorator
@inline export const AL_SIZE: usize = 1 << <usize>AL_BITS;
/** Mask of the bits below the alignment. */
// @ts-ignore: decorator
@inline export const AL_MASK: usize = AL_SIZE - 1;

/** One wasm32 word: the size of a header, a footer and a free-list link. */
// @ts-ignore: decorator
@inline export const WORD: usize = 4;

/** Bits of a wasm page (64 KiB). */
// @ts-ignore: decorator
@inline export const PAGE_BITS: u32 = 16;
/** Bytes in a wasm page. */
// @ts-ignore: decorator
@inline export const PAGE_SIZE: usize = 1 << <usize>PAGE_BITS;
/** The wasm32 ceiling: 65536 pages are 4 GiB. */
// @ts-ignore: decorator
@inline export const MAX_PAGES: u32 = 65536;
/** brk never passes this address, so that brk itself still fits in 32 bits. */
// @ts-ignore: decorator
@inline export const BRK_LIMIT: u64 = (<u64>MAX_PAGES << PAGE_BITS) - <u64>AL_SIZE;

/** Placement policies, chosen per heap. */
export const enum Policy {
  /** The lowest-addressed free block that fits. */
  FIRST_FIT = 0,
  /** Resume after the last placement, wrapping around. */
  NEXT_FIT = 1,
  /** The smallest free block that fits; the lowest address on ties. */
  BEST_FIT = 2,
  /** Segregated free lists by size class, best fit within a class (fit/segregated.ts). */
  SEGREGATED = 3,
}
/** The number of policies; valid values are below it. */
// @ts-ignore: decorator
@inline export const POLICY_COUNT: u32 = 4;

/** When free blocks merge with their neighbours. */
export const enum Coalesce {
  /** On every free. */
  IMMEDIATE = 0,
  /** When a search fails, before the heap grows. */
  DEFERRED = 1,
}
/** The number of coalescing modes. */
// @ts-ignore: decorator
@inline export const COALESCE_COUNT: u32 = 2;

/** Error codes. `free` returns them; every entry point leaves the last one in the state. */
export const enum ErrorCode {
  OK = 0,
  /** The pointer is the payload of a block that is already free. */
  DOUBLE_FREE = 1,
  /** The pointer is not the payload of a live block. */
  INVALID_POINTER = 2,
  /** The heap cannot grow enough (maximumPages, or the 4 GiB ceiling). */
  OUT_OF_MEMORY = 3,
  /** An alignment that is not a power of two. */
  BAD_ALIGNMENT = 4,
  /** heap_configure called with bad values, or after the heap was set up. */
  BAD_CONFIG = 5,
  /** Debug heap: a freed block was written while in quarantine (heap_error_info has where). */
  USE_AFTER_FREE = 6,
  /** Debug heap: a write before or past a block's payload hit its canary. */
  HEAP_OVERFLOW = 7,
}

/**
 * Whether this is the debug heap (asc --use WASMALLOC_DEBUG=1): fills, a quarantine, canaries
 * and sequence numbers, described in debug.ts. The release build compiles none of it.
 */
// @ts-ignore: decorator
@inline export const DEBUG: bool = isDefined(WASMALLOC_DEBUG);

/**
 * Whether this is the minimal build (asc --use WASMALLOC_MINIMAL=1, entry assembly/minimal.ts):
 * segregated fits and immediate coalescing only, so that the other policies compile away.
 */
// @ts-ignore: decorator
@inline export const MINIMAL: bool = isDefined(WASMALLOC_MINIMAL);

/**
 * Whether this is the build for memory that someone else owns (asc --use WASMALLOC_FOREIGN=1,
 * with an imported memory): the heap's state sits at an address given at run time (heap_place),
 * not at __heap_base, the module has no data segment (it must not write into a program's data
 * when it is instantiated), and brk takes only the pages it grew itself (brk.ts).
 */
// @ts-ignore: decorator
@inline export const FOREIGN: bool = isDefined(WASMALLOC_FOREIGN);
