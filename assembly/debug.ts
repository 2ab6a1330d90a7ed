// The debug heap (asc --use WASMALLOC_DEBUG=1): the release allocator underneath, with every
// user block dressed so that the chapter's heap bugs show.
//
//  A debug block, inside one core block (whose header and payload are as in block.ts):
//
//   core payload q                                  user pointer p = q + 48
//   │                                               │
//   ├──────────┬──────────┬──────────┬──────────────┼───────────────────────┬───────────────────┤
//   │ size     │ seq      │ state    │ front canary │ user bytes            │ tail canary       │
//   │ (asked)  │ (1, 2,…) │ LIVE or  │ 36 × 0xDE    │ `size` bytes          │ 0xDE from p+size  │
//   │          │          │ QRNT     │              │ new: 0xD0, freed: 0xDF│ to the block's end│
//   └──────────┴──────────┴──────────┴──────────────┴───────────────────────┴───────────────────┘
//   q+0        q+4        q+8        q+12           q+48                    (at least 32 bytes)
//
// What it adds, each checked at free, realloc and heap_check:
// - Fills. New payloads are 0xD0 (uninitialised reads stand out), calloc's are 0; freed ones
//   are 0xDF, all the way to the block's end.
// - A quarantine. free() does not give the block back: it fills it, marks it QRNT and puts it
//   in a FIFO of QUARANTINE_SLOTS blocks and at most QUARANTINE_MAX_BYTES. A block leaves when
//   the FIFO is full; its fill is verified then, and a byte that changed is a use after free.
//   A second free of a quarantined block is a double free.
// - Canaries. The tail canary starts at p + size exactly, not at the rounded size, so a write
//   one byte past the request is caught; the front canary catches writes just before p. Both
//   span more than 32 bytes, so that a write 32 bytes before p or past the request's last byte
//   lands in them, not in a neighbour.
// - Sequence numbers for leak reports: heap_debug_next walks the live blocks.
// realloc always moves, so a stale pointer to the old block lands in quarantine.

import { ErrorCode } from "./common";
import { BLOCK_OVERHEAD, EPILOGUE_SIZE, HEADER, INTERNAL, MAX_REQUEST, PROLOGUE_SIZE, SIZE, USED, mem2block } from "./block";
import { allocate, allocateAligned } from "./alloc";
import { deallocate } from "./free";
import { validate } from "./guard";
import { ensureHeap, fail } from "./setup";
import { isChunk } from "./starts";
import { QUARANTINE, QUARANTINE_SLOTS, ST } from "./state";

/** The byte new payloads are filled with. */
// @ts-ignore: decorator
@inline export const FILL_NEW: u8 = 0xD0;
/** The byte freed payloads are filled with. */
// @ts-ignore: decorator
@inline export const FILL_FREED: u8 = 0xDF;
/** The canary byte around payloads. */
// @ts-ignore: decorator
@inline export const FILL_CANARY: u8 = 0xDE;
/** Bytes between the core payload and the user pointer: size, seq, state, front canary. */
// @ts-ignore: decorator
@inline export const PREFIX: usize = 48;
/** Where the front canary starts in the prefix. */
// @ts-ignore: decorator
@inline const FRONT: usize = 12;
/** The tail canary is at least this long. */
// @ts-ignore: decorator
@inline const MIN_TAIL: usize = 32;
/** State word of a live block ("LIVE"). */
// @ts-ignore: decorator
@inline const LIVE: u32 = 0x4556494C;
/** State word of a quarantined block ("QRNT"). */
// @ts-ignore: decorator
@inline export const QUARANTINED: u32 = 0x544E5251;
/** The quarantine holds at most this many bytes of blocks. */
// @ts-ignore: decorator
@inline export const QUARANTINE_MAX_BYTES: u32 = 1 << 20;
/** The largest request the debug heap takes. */
// @ts-ignore: decorator
@inline const MAX_DEBUG_REQUEST: usize = MAX_REQUEST - PREFIX - MIN_TAIL;

/** The end of the core payload at `q`. */
// @ts-ignore: decorator
@inline function payloadEnd(q: usize): usize { return q + SIZE(mem2block(q)) - BLOCK_OVERHEAD; }

/** Leaves the details of a finding for heap_error_info, and returns `code`. */
function report(code: u32, p: usize, size: usize, offset: isize): u32 {
  const st = ST();
  st.errorAddress = <u32>p;
  st.checkAddress = <u32>p;
  st.detailSize = <u32>size;
  st.detailOffset = <u32>offset;
  return code;
}

/** Dresses the core payload `q` as a live debug block of `n` bytes and returns the user pointer. */
function dress(q: usize, n: usize, zero: bool): usize {
  const st = ST();
  const seq = st.allocSeq + 1;
  st.allocSeq = seq;
  store<u32>(q, <u32>n);
  store<u32>(q, seq, 4);
  store<u32>(q, LIVE, 8);
  memory.fill(q + FRONT, FILL_CANARY, PREFIX - FRONT);
  const p = q + PREFIX;
  memory.fill(p, zero ? 0 : FILL_NEW, n);
  if (zero) st.bytesCleared += <u64>n;
  memory.fill(p + n, FILL_CANARY, payloadEnd(q) - p - n);
  return p;
}

/**
 * Checks the canaries of the live block at core payload `q`: OK, or HEAP_OVERFLOW with the
 * farthest byte written (a negative offset before the payload, or one at or past its size).
 */
function checkCanaries(q: usize): u32 {
  const p = q + PREFIX;
  const end = payloadEnd(q);
  const n = <usize>load<u32>(q);
  for (let a = q + FRONT; a < p; a++) {
    if (load<u8>(a) != FILL_CANARY) return report(ErrorCode.HEAP_OVERFLOW, p, n, <isize>a - <isize>p);
  }
  if (n > end - p - MIN_TAIL) return report(ErrorCode.HEAP_OVERFLOW, p, n, -<isize>PREFIX); // size overwritten
  for (let a = end; a > p + n; ) {
    a--;
    if (load<u8>(a) != FILL_CANARY) return report(ErrorCode.HEAP_OVERFLOW, p, n, <isize>(a - p));
  }
  return ErrorCode.OK;
}

/** Checks the quarantined block at `q` still holds its fill: OK or USE_AFTER_FREE. */
function checkFreed(q: usize): u32 {
  const p = q + PREFIX;
  const n = <usize>load<u32>(q);
  if (load<u32>(q, 8) != QUARANTINED) return report(ErrorCode.USE_AFTER_FREE, p, n, -<isize>(PREFIX - 8));
  for (let a = q + FRONT; a < p; a++) {
    if (load<u8>(a) != FILL_CANARY) return report(ErrorCode.USE_AFTER_FREE, p, n, <isize>a - <isize>p);
  }
  const end = payloadEnd(q);
  for (let a = p; a < end; a++) {
    if (load<u8>(a) != FILL_FREED) return report(ErrorCode.USE_AFTER_FREE, p, n, <isize>(a - p));
  }
  return ErrorCode.OK;
}

/**
 * Whether `p` is a live debug block: OK, DOUBLE_FREE (quarantined or already given back),
 * INVALID_POINTER, or HEAP_OVERFLOW (its canaries are broken; the block is left alone).
 */
function check(p: usize): u32 {
  if (p < PREFIX) return ErrorCode.INVALID_POINTER;
  const q = p - PREFIX;
  const err = validate(q);
  if (err != ErrorCode.OK) return err;
  const state = load<u32>(q, 8);
  if (state == QUARANTINED) return ErrorCode.DOUBLE_FREE;
  if (state != LIVE) return report(ErrorCode.HEAP_OVERFLOW, p, <usize>load<u32>(q), -<isize>(PREFIX - 8));
  return checkCanaries(q);
}

/** Gives the oldest quarantined block back to the core. Returns its check (OK or USE_AFTER_FREE). */
function evict(): u32 {
  const st = ST();
  const slot = QUARANTINE() + (<usize>st.quarantineHead << 2);
  const q = <usize>load<u32>(slot);
  st.quarantineHead = (st.quarantineHead + 1) % QUARANTINE_SLOTS;
  st.quarantineCount -= 1;
  st.quarantineBytes -= <u32>SIZE(mem2block(q));
  const found = checkFreed(q);
  deallocate(q);
  return found;
}

// ─── The entry points of the debug build ──────────────────────────────────────────────────────

/** malloc (zero false) and the allocation behind calloc (zero true). */
export function debugAllocate(n: usize, zero: bool): usize {
  ensureHeap();
  ST().lastError = ErrorCode.OK;
  if (n > MAX_DEBUG_REQUEST) return fail(ErrorCode.OUT_OF_MEMORY, 0);
  const q = allocate(n + PREFIX + MIN_TAIL);
  return q == 0 ? 0 : dress(q, n, zero);
}

/** calloc. */
export function debugCalloc(count: usize, size: usize): usize {
  const total = <u64>count * <u64>size;
  if (total > <u64>MAX_DEBUG_REQUEST) {
    ensureHeap();
    return fail(ErrorCode.OUT_OF_MEMORY, 0);
  }
  return debugAllocate(<usize>total, true);
}

/** Aligned allocation: the user pointer, PREFIX bytes into the core payload, is the aligned one. */
export function debugAligned(align: usize, n: usize): usize {
  ensureHeap();
  ST().lastError = ErrorCode.OK;
  if (align == 0 || (align & (align - 1)) != 0) return fail(ErrorCode.BAD_ALIGNMENT, align);
  if (n > MAX_DEBUG_REQUEST) return fail(ErrorCode.OUT_OF_MEMORY, 0);
  const q = allocateAligned(align, n + PREFIX + MIN_TAIL, PREFIX);
  return q == 0 ? 0 : dress(q, n, false);
}

/**
 * Makes room in the quarantine for a block of `bytes`, giving the oldest blocks back to the core.
 * Returns OK, or USE_AFTER_FREE for the first of them that had been written (with its details).
 */
function makeRoom(bytes: u32): u32 {
  const st = ST();
  let found: u32 = ErrorCode.OK;
  while (st.quarantineCount >= QUARANTINE_SLOTS ||
         (st.quarantineCount != 0 && st.quarantineBytes + bytes > QUARANTINE_MAX_BYTES)) {
    const r = evict();
    if (found == ErrorCode.OK) found = r;
  }
  return found;
}

/** Fills the live block at `p` as freed and appends it to the quarantine (which has room). */
function quarantine(p: usize): void {
  const st = ST();
  const q = p - PREFIX;
  memory.fill(p, FILL_FREED, payloadEnd(q) - p);
  store<u32>(q, QUARANTINED, 8);
  const tail = (st.quarantineHead + st.quarantineCount) % QUARANTINE_SLOTS;
  store<u32>(QUARANTINE() + (<usize>tail << 2), <u32>q);
  st.quarantineCount += 1;
  st.quarantineBytes += <u32>SIZE(mem2block(q));
}

/**
 * free: the block goes into quarantine. Returns OK, DOUBLE_FREE, INVALID_POINTER,
 * HEAP_OVERFLOW (this block's canaries), or USE_AFTER_FREE (a block leaving the quarantine to
 * make room had been written; it is given back, and heap_error_info describes it). On any
 * error `p` is left as it was: still live.
 */
export function debugFree(p: usize): u32 {
  if (p == 0) return ErrorCode.OK;
  ensureHeap();
  const st = ST();
  st.lastError = ErrorCode.OK;
  const err = check(p);
  if (err != ErrorCode.OK) {
    fail(err, p);
    return err;
  }
  const found = makeRoom(<u32>SIZE(mem2block(p - PREFIX)));
  if (found != ErrorCode.OK) {
    st.lastError = found;
    return found;
  }
  quarantine(p);
  return ErrorCode.OK;
}

/**
 * realloc: always moves, copying min(old, new) bytes; the old block goes into quarantine.
 * Returns 0 and leaves `p` live on any error (heap_last_error: DOUBLE_FREE, INVALID_POINTER,
 * HEAP_OVERFLOW, USE_AFTER_FREE as for free, or OUT_OF_MEMORY).
 */
export function debugRealloc(p: usize, n: usize): usize {
  if (p == 0) return debugAllocate(n, false);
  ensureHeap();
  const st = ST();
  st.lastError = ErrorCode.OK;
  const err = check(p);
  if (err != ErrorCode.OK) return fail(err, p);
  const found = makeRoom(<u32>SIZE(mem2block(p - PREFIX)));
  if (found != ErrorCode.OK) {
    st.lastError = found;
    return 0;
  }
  const old = <usize>load<u32>(p - PREFIX);
  const np = debugAllocate(n, false);
  if (np == 0) return 0;
  memory.copy(np, p, old < n ? old : n);
  quarantine(p);
  return np;
}

/** The requested size of a live block: writing at or past it is an overflow. */
export function debugUsable(p: usize): usize {
  if (p == 0) return 0;
  ensureHeap();
  ST().lastError = ErrorCode.OK;
  const err = check(p);
  return err != ErrorCode.OK ? fail(err, p) : <usize>load<u32>(p - PREFIX);
}

// ─── Checking and walking ──────────────────────────────────────────────────────────────────────
//
//   I15 Every live block's prefix and canaries are intact (a break is a "heap-overflow").
//   I16 Every quarantined block still holds its fill (a change is a "use-after-free").
//   I17 The quarantine ring lists exactly the quarantined blocks, and their bytes add up.

/** Walks the user blocks after the layout check passed. 0, or 15, 16 or 17 (see above). */
export function checkDebug(): u32 {
  const st = ST();
  const epilogue = <usize>st.brk - EPILOGUE_SIZE;
  let quarantined: u32 = 0;
  let qbytes: u32 = 0;
  for (let b = <usize>st.heapStart + PROLOGUE_SIZE; b != epilogue; b += SIZE(b)) {
    if ((HEADER(b) & USED) == 0 || isChunk(b) || (HEADER(b) & INTERNAL) != 0) continue;   // (a pool's or arena's block has no debug prefix)
    const q = b + BLOCK_OVERHEAD;
    const state = load<u32>(q, 8);
    if (state == QUARANTINED) {
      if (checkFreed(q) != ErrorCode.OK) return 16;
      quarantined += 1;
      qbytes += <u32>SIZE(b);
    } else if (state != LIVE || checkCanaries(q) != ErrorCode.OK) {
      if (state != LIVE) report(ErrorCode.HEAP_OVERFLOW, q + PREFIX, <usize>load<u32>(q), -<isize>(PREFIX - 8));
      return 15;
    }
  }
  if (quarantined != st.quarantineCount || qbytes != st.quarantineBytes) {
    st.checkAddress = <u32>changetype<usize>(st);
    return 17;
  }
  for (let i: u32 = 0; i < quarantined; i++) {
    const q = <usize>load<u32>(QUARANTINE() + (<usize>((st.quarantineHead + i) % QUARANTINE_SLOTS) << 2));
    if (validate(q) != ErrorCode.OK || load<u32>(q, 8) != QUARANTINED) {
      st.checkAddress = <u32>q;
      return 17;
    }
  }
  return 0;
}

/**
 * The next live user block after block `b` (0: from the start), as a block address, or 0 at the
 * end. Its user pointer is b + 4 + PREFIX, its size and sequence number the first two words of
 * its payload.
 */
export function nextLive(b: usize): usize {
  const st = ST();
  const epilogue = <usize>st.brk - EPILOGUE_SIZE;
  b = b == 0 ? <usize>st.heapStart + PROLOGUE_SIZE : b + SIZE(b);
  for (; b < epilogue; b += SIZE(b)) {
    if ((HEADER(b) & (USED | INTERNAL)) == USED && !isChunk(b) && load<u32>(b + BLOCK_OVERHEAD, 8) == LIVE) return b;
  }
  return 0;
}
