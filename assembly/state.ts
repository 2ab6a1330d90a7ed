// The heap's state: one struct in linear memory at __heap_base, never in wasm globals or data
// segments. It is set up lazily by the first call, so an instance that attaches to memory that
// already holds a heap finds it as it is.

import { AL_MASK, DEBUG, FOREIGN, MINIMAL, WORD, Policy, Coalesce } from "./common";

/** Marks an initialised state ("wasm" in ASCII). */
// @ts-ignore: decorator
@inline export const STATE_MAGIC: u32 = 0x6D736177;

/** The heap's bookkeeping, as a view over raw memory. */
@unmanaged export class HeapState {
  /** STATE_MAGIC once the heap is set up. */
  magic: u32;
  /** A Policy. */
  policy: u32;
  /** A Coalesce mode. (Keep it right after policy: SEGREGATED_IMMEDIATE, fit/policy.ts, reads both in one load.) */
  coalesce: u32;
  /** The heap never grows memory past this many pages. */
  maxPages: u32;
  /** The prologue's header: the first byte of the extent. */
  heapStart: u32;
  /** The end of the heap; the epilogue is the word below it. */
  brk: u32;
  /** The free list's sentinel. Its header word is never read... */
  sentinel: u32;
  /** ...and these two sit where a free block's NEXT and PREV links sit: head and tail. */
  head: u32;
  tail: u32;
  /** Next fit resumes its search here (a free block, or the sentinel). */
  rover: u32;
  /** The last ErrorCode any entry point reported. */
  lastError: u32;
  /** The address that went with lastError, or the block where heap_check stopped. */
  errorAddress: u32;
  /** Bytes in used blocks, headers included. */
  usedBytes: u32;
  /** Used blocks, not counting the prologue. */
  usedBlocks: u32;
  /** The high-water mark of usedBytes. */
  peakUsedBytes: u32;
  /** Free blocks (the length of the free list). */
  freeBlocks: u32;
  /** memory.grow calls made by this heap. */
  growCalls: u32;
  /** The block where the last heap_check found a violation (also keeps bytesCleared 8-aligned). */
  checkAddress: u32;
  /** Bytes that calloc had to clear (fresh pages from memory.grow are not counted). */
  bytesCleared: u64;
  /** Bytes in the start table's chunk (an internal used block, not in usedBytes); 0 while it has none. */
  guardBytes: u32;
  /** The start table's chunk (starts.ts), or 0 while the table is the one inline in the state. */
  tableBlock: u32;
  /** Debug heap: the last allocation sequence number handed out. */
  allocSeq: u32;
  /** Debug heap: the block size and byte offset that go with the last error or violation. */
  detailSize: u32;
  detailOffset: u32;
  /** Debug heap quarantine: the oldest slot, the blocks in it, and their block bytes. */
  quarantineHead: u32;
  quarantineCount: u32;
  quarantineBytes: u32;
  /** Shared build: the heap's lock (0 free, 1 held, 2 held with waiters; see shared.ts). */
  lock: u32;
  /** Segregated fits: a running mean of log2(block size) in 1/256ths (see place.ts, place). */
  typicalLog: u32;
  /** The start table's byte for the heap's first window. */
  table: u32;
  /** The bytes of the start table, each covering 128 bytes from the heap's start (starts.ts). */
  windows: u32;
  /**
   * Shared build: odd while the lock is held, bumped on every lock and unlock, so that a check
   * made without the lock can tell whether the heap changed under it (shared.ts, cachePush).
   */
  seq: u32;
  /**
   * Deferred coalescing: 1 when a block was freed since the last merge pass, so that a failed
   * search merges only when a pass could merge something new.
   */
  unmerged: u32;
  /** How many times the start table has moved (calloc uses it to tell whether a chunk it wrote was freed). */
  tableMoves: u32;
  /**
   * Bytes of the blocks in the cache of small freed blocks, headers included (not in usedBytes;
   * their count is the sum of the bins' counts, cache.ts: cacheBlockCount).
   */
  cacheBytes: u32;
  /** Blocks a bin may hold: CACHE_CAP, or 0 with the cache turned off (cache.ts). */
  cacheCap: u32;
  /**
   * The block after the last one freed that merged with its left neighbour alone: a hint for
   * free's touches (coalesce.ts, touchRisingRun), read by nothing else; any value is safe.
   */
  runNext: u32;
}

// After the struct, still in the state area (see starts.ts and debug.ts):
//   START_TABLE0  the first start table, covering the first 1 MiB of the heap, until it moves;
//   QUARANTINE     debug heap only: QUARANTINE_SLOTS words, a ring of quarantined payloads;
//   SEG_HEADS      the segregated policy's class heads, SEG_MAP its class bitmaps;
//   GAPS           foreign build only: the gaps over pages that someone else grew.

/**
 * Bytes of the start table inline in the state, which cover the first 1 MiB of heap (outside the
 * extent, unlike a chunk): a byte covers 128 bytes of heap, 256 in the minimal build (starts.ts).
 */
// @ts-ignore: decorator
@inline export const START_WINDOWS0: u32 = MINIMAL ? 4096 : 8192;

/** The start table inline in the state (starts.ts). */
// @ts-ignore: decorator
@inline export function START_TABLE0(): usize { return STATE_ADDRESS() + ((offsetof<HeapState>() + AL_MASK) & ~AL_MASK); }

/**
 * Foreign build: the state's address, set once by heap_place (0 until then). A wasm global, unlike
 * the rest of the state: the foreign build's instance is the only one on its heap.
 */
export let foreignBase: usize = 0;

/** Foreign build: sets foreignBase (setup.ts, placeHeap). */
export function setForeignBase(base: usize): void { foreignBase = base; }

/** The state's address: __heap_base rounded up to the alignment, or where heap_place put it. */
// @ts-ignore: decorator
@inline export function STATE_ADDRESS(): usize { return FOREIGN ? foreignBase : (__heap_base + AL_MASK) & ~AL_MASK; }
/** The state struct. */
// @ts-ignore: decorator
@inline export function ST(): HeapState { return changetype<HeapState>(STATE_ADDRESS()); }
/** The free list's sentinel: a fake block whose NEXT and PREV are the list's head and tail. */
// @ts-ignore: decorator
@inline export function SENTINEL(): usize { return STATE_ADDRESS() + offsetof<HeapState>("sentinel"); }
/** Slots in the debug heap's quarantine ring. */
// @ts-ignore: decorator
@inline export const QUARANTINE_SLOTS: u32 = 128;
/** The debug heap's quarantine ring. */
// @ts-ignore: decorator
@inline export function QUARANTINE(): usize { return START_TABLE0() + <usize>START_WINDOWS0; }
/** Size classes of the segregated policy (fit/segregated.ts). */
// @ts-ignore: decorator
@inline export const SEG_CLASSES: u32 = 224;
/** The segregated policy's class list heads, SEG_CLASSES words. */
// @ts-ignore: decorator
@inline export function SEG_HEADS(): usize { return QUARANTINE() + (DEBUG ? <usize>QUARANTINE_SLOTS << 2 : 0); }
/** Its bitmap of non-empty classes (7 words), then a word of padding. */
// @ts-ignore: decorator
@inline export function SEG_MAP(): usize { return SEG_HEADS() + (<usize>SEG_CLASSES << 2); }
/** Bytes of that bitmap and its padding. */
// @ts-ignore: decorator
@inline export const SEG_MAP_BYTES: usize = 32;
/** Foreign build: the most gaps a heap may have; past them it grows no more. */
// @ts-ignore: decorator
@inline export const GAP_SLOTS: u32 = 8;
/**
 * Foreign build: the gaps, internal used blocks over pages that someone else grew (setup.ts,
 * skipForeign): a word with their count, a word with their bytes (not in usedBytes), then
 * GAP_SLOTS words with their addresses in address order. The other builds have none.
 */
// @ts-ignore: decorator
@inline export function GAPS(): usize { return SEG_MAP() + SEG_MAP_BYTES; }
/** Foreign build: how many gaps there are (0 in the other builds). */
// @ts-ignore: decorator
@inline export function gapCount(): u32 { return FOREIGN ? load<u32>(GAPS()) : 0; }
/** Foreign build: the gaps' bytes (0 in the other builds). */
// @ts-ignore: decorator
@inline export function gapBytes(): u32 { return FOREIGN ? load<u32>(GAPS(), 4) : 0; }
/** Foreign build: the address of gap `i` (below gapCount()). */
// @ts-ignore: decorator
@inline export function gapAt(i: u32): usize { return load<usize>(GAPS() + 8 + (<usize>i << 2)); }
/** Foreign build: lists the gap at `b`, of `size` bytes, after the others. */
// @ts-ignore: decorator
@inline export function addGap(b: usize, size: usize): void {
  const i = gapCount();
  store<usize>(GAPS() + 8 + (<usize>i << 2), b);
  store<u32>(GAPS(), i + 1);
  store<u32>(GAPS(), gapBytes() + <u32>size, 4);
}
/** Bins of the cache of small freed blocks (cache.ts): one per block size from 16 to 512 bytes. */
// @ts-ignore: decorator
@inline export const CACHE_BINS: u32 = 63;
/**
 * The cache's bins (cache.ts), in builds that have it: CACHE_BINS words with each bin's first
 * block, then CACHE_BINS + 1 bytes with their counts (the last one the victim's), then (at
 * CACHE_VICTIM, aligned) the victim word: the last freed block larger than the bins' and of at
 * most VICTIM_MAX bytes, or 0. malloc reads it for every request larger than the bins'.
 */
// @ts-ignore: decorator
@inline export function CACHE(): usize { return GAPS() + (FOREIGN ? (2 + <usize>GAP_SLOTS) << 2 : 0); }
/** The offset in the cache's area of the victim word, past the counts (cache.ts). */
// @ts-ignore: decorator
@inline export const CACHE_VICTIM: usize = (<usize>CACHE_BINS * 5 + 1 + 3) & ~3;
/** Bytes of the cache's bins in the state. */
// @ts-ignore: decorator
@inline export const CACHE_AREA: usize = MINIMAL || DEBUG || ASC_FEATURE_THREADS ? 0 : (CACHE_VICTIM + 4 + 7) & ~7;   // (keeps HEAP_START ≡ 4 mod 8)
/** Where the prologue goes: past the state, on an address ≡ 4 (mod 8). */
// @ts-ignore: decorator
@inline export function HEAP_START(): usize {
  return CACHE() + CACHE_AREA + WORD;
}

/** The defaults a heap gets when its first call is not heap_configure. */
// @ts-ignore: decorator
@inline export const DEFAULT_POLICY: u32 = Policy.SEGREGATED;
// @ts-ignore: decorator
@inline export const DEFAULT_COALESCE: u32 = Coalesce.IMMEDIATE;

/** The heap's placement policy: a constant in the minimal build, so the others compile away. */
// @ts-ignore: decorator
@inline export function POLICY(): u32 { return MINIMAL ? Policy.SEGREGATED : ST().policy; }
/** The heap's coalescing mode: a constant in the minimal build. */
// @ts-ignore: decorator
@inline export function COALESCING(): u32 { return MINIMAL ? Coalesce.IMMEDIATE : ST().coalesce; }
