// Setting a heap up: the state, the prologue and the epilogue, on first use or on request
// (heap_configure), in its own memory or (the foreign build) at a place in someone else's; and
// the small steps every entry point shares: ensureHeap, fail, addUsed.

import {
  AL_MASK, AL_SIZE, COALESCE_COUNT, ErrorCode, FOREIGN, MAX_PAGES, MINIMAL, PAGE_BITS,
  POLICY_COUNT,
} from "./common";
import {
  BLOCK_OVERHEAD, EPILOGUE_SIZE, HEADER, INTERNAL, LEFT_USED, PROLOGUE_SIZE, SETHEADER, USED,
} from "./block";
import { claimPages, coverMemory, heapLimit, othersGrew, ownMemory } from "./brk";
import { GUARDS, SETSTART, coveredEnd, setupStarts } from "./starts";
import { cacheSetup } from "./cache";
import { segSetup } from "./fit/segregated";
import {
  DEFAULT_COALESCE, DEFAULT_POLICY, GAP_SLOTS, HEAP_START, HeapState, SENTINEL, ST, STATE_MAGIC,
  STATE_ADDRESS, addGap, foreignBase, gapCount, setForeignBase,
} from "./state";
import { chunkSize, chunkWindows, coverTo } from "./guard";

/**
 * Lays out an empty heap: the state, a prologue and an epilogue, with memory grown to at least
 * `initialPages`. Returns an ErrorCode: BAD_CONFIG for values out of range or a heap that is
 * already set up, OUT_OF_MEMORY when memory cannot grow to `initialPages`.
 */
export function setupHeap(policy: u32, coalesce: u32, initialPages: u32, maxPages: u32): u32 {
  return heapStatus() != HeapStatus.FRESH ? ErrorCode.BAD_CONFIG : layOutHeap(policy, coalesce, initialPages, maxPages);
}

/** setupHeap on memory whose state is FRESH. */
export function layOutHeap(policy: u32, coalesce: u32, initialPages: u32, maxPages: u32): u32 {
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

  // The fields before `lock` are cleared. The rest are kept, each for its reason: lock is held by
  // the caller in the shared build, and seq goes with it (the lock holder advances it);
  // typicalLog, table and windows are set below; unmerged is zero on a fresh state, and an old
  // value would cost one needless merge pass; tableMoves is only read as a difference (calloc);
  // the cache's fields are set by cacheSetup in the builds that have a cache and read by no other;
  // runNext is a hint for free's touches, safe with any value (coalesce.ts, touchRisingRun).
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
export function setupOnFirstUse(): void {
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
@inline export function ensureHeapInline(): void {
  if (FOREIGN && foreignBase == 0) unreachable();   // the foreign build's heap is used before heap_place
  // Memory must reach the heap's start before the state can be read. Outside the foreign build
  // HEAP_START is a constant, so the test is a compare of memory.size() with a constant page count.
  const short = FOREIGN
    ? (<u64>memory.size() << PAGE_BITS) < <u64>HEAP_START()
    : memory.size() < <i32>((HEAP_START() + ((1 << PAGE_BITS) - 1)) >> PAGE_BITS);
  if (short || ST().magic != STATE_MAGIC) setupOnFirstUse();
}

export function ensureHeapCall(): void { ensureHeapInline(); }

/** Records an error for the host to read back, and returns 0 (the failed call's result). */
export function fail(code: u32, address: usize): usize {
  const st = ST();
  st.lastError = code;
  if (!MINIMAL) st.errorAddress = <u32>address;   // (the minimal build exports no error address)
  return 0;
}

/** Adds `bytes` to the bytes in use, keeping the peak. */
// @ts-ignore: decorator
@inline export function addUsed(bytes: usize): void {
  if (MINIMAL) addUsedCall(bytes);          // one copy of the code, for size
  else addUsedInline(bytes);
}

export function addUsedCall(bytes: usize): void { addUsedInline(bytes); }

// @ts-ignore: decorator
@inline export function addUsedInline(bytes: usize): void {
  const st = ST();
  const used = st.usedBytes + <u32>bytes;
  st.usedBytes = used;
  if (used > st.peakUsedBytes) st.peakUsedBytes = used;
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
export function skipForeign(): bool {
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
@inline export function ownEnd(): bool {
  return !FOREIGN || skipForeign();
}

/** Sets the heap up with explicit choices; the ErrorCode is the only report. See setupHeap. */
export function configure(policy: u32, coalesce: u32, initialPages: u32, maxPages: u32): u32 {
  return setupHeap(policy, coalesce, initialPages, maxPages);
}
