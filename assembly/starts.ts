// The block-start bitmap: the exact answer to "is this address a block's header?".
//
// One bit per 8 bytes of heap offset (o = block - heapStart, always a multiple of 8). A bit is
// set exactly when a block the user can see, used or free, starts there: the prologue, the
// epilogue and the bitmap's own chunks are not marked. So `free(ptr)` is valid exactly when the
// bit of ptr - 4 is set and that block is used; set and free is a double free; anything else
// (inside a payload, a header that merged away, outside the heap) is an invalid pointer. Payload
// bytes cannot fool it, because the bitmap lives outside every payload.
//
// The offsets are cut into ranges that never move once they have a bitmap:
//
//   range 0                  [0, 64 KiB)             its 1 KiB bitmap lives in the state
//   ranges 1 + 4(f-16) + s   [2^f + s 2^(f-2), +2^(f-2))  for f = 16..31, s = 0..3
//
// A range's bitmap (range size / 64 bytes) is a chunk: an internal used block, allocated when a
// block is first about to start in the range (taken from the lowest free block that fits, so
// that chunks gather low instead of splitting free space at the heap's end), and never copied.
// A block that grows in place needs no new range, so a chunk never lands in its way. The directory holds each range's bias, the
// address that makes (bias + (o >> 6)) the byte of offset o. Lookup is one clz, one load and one
// byte load. The chunks cost 1/64 of the covered range, which is at most 1.25 times the extent.
//
// Invariant (I13): a block's bit is set exactly when it is a user block; no other bit is set.
// Invariant (I14): ranges [0, chunkCount) have bitmaps, and every user block starts in one of them.

import { RANGE0_BITS, RANGE_COUNT, START_BITMAP0, START_DIR, ST } from "./state";

/**
 * Whether the pointer checks are compiled in. Only the benchmark's "unchecked" build (asc
 * --use WASMALLOC_UNCHECKED=1) leaves them out, to measure what they cost; it trusts every
 * pointer it is given and must never be shipped.
 */
// @ts-ignore: decorator
@inline export const GUARDS: bool = !isDefined(WASMALLOC_UNCHECKED);

/** The range that holds heap offset `o`. */
// @ts-ignore: decorator
@inline export function rangeOf(o: usize): u32 {
  if (o < (<usize>1 << RANGE0_BITS)) return 0;
  const fl = <u32>(31 - clz<u32>(<u32>o));
  return 1 + ((fl - RANGE0_BITS) << 2) + ((<u32>o >> (fl - 2)) & 3);
}

/** The first offset of range `r` (r <= RANGE_COUNT; RANGE_COUNT gives 2^32). */
// @ts-ignore: decorator
@inline export function rangeStart(r: u32): u64 {
  if (r == 0) return 0;
  const fl = RANGE0_BITS + ((r - 1) >> 2);
  return (<u64>1 << fl) + (<u64>((r - 1) & 3) << (fl - 2));
}

/** The bytes of bitmap that range `r` needs. */
// @ts-ignore: decorator
@inline export function rangeBitmapBytes(r: u32): usize {
  return <usize>((rangeStart(r + 1) - rangeStart(r)) >> 6);
}

/** The bitmap byte that holds offset `o`'s bit. Only valid when o's range has a bitmap. */
// @ts-ignore: decorator
@inline function BITBYTE(o: usize): usize {
  return <usize>load<u32>(START_DIR() + (<usize>rangeOf(o) << 2)) + (o >> 6);
}

/** Whether offset `o` is covered by a bitmap. */
// @ts-ignore: decorator
@inline export function isCovered(o: usize): bool {
  return rangeOf(o) < ST().chunkCount;
}

/** Marks the block at `b` as a user block start. */
// @ts-ignore: decorator
@inline export function SETSTART(b: usize): void {
  if (!GUARDS) return;
  const o = b - <usize>ST().heapStart;
  const a = BITBYTE(o);
  store<u8>(a, <u8>(<u32>load<u8>(a) | (<u32>1 << <u32>((o >> 3) & 7))));
}

/** Unmarks the block at `b`. */
// @ts-ignore: decorator
@inline export function CLEARSTART(b: usize): void {
  if (!GUARDS) return;
  const o = b - <usize>ST().heapStart;
  const a = BITBYTE(o);
  store<u8>(a, <u8>(<u32>load<u8>(a) & ~(<u32>1 << <u32>((o >> 3) & 7))));
}

/** Whether a user block starts at `b`, which must be at or above heapStart. False where no range covers b. */
// @ts-ignore: decorator
@inline export function ISSTART(b: usize): bool {
  const o = b - <usize>ST().heapStart;
  return isCovered(o) && ((<u32>load<u8>(BITBYTE(o)) >> <u32>((o >> 3) & 7)) & 1) != 0;
}

/** The address where the ranges that have a bitmap end: every user block starts below it (I14). */
// @ts-ignore: decorator
@inline export function coveredEnd(): u64 {
  const st = ST();
  return <u64>st.heapStart + rangeStart(st.chunkCount);
}

/** Points range `r`'s directory entry at the bitmap bytes at `bitmap` (already zeroed). */
export function setRangeBitmap(r: u32, bitmap: usize): void {
  store<u32>(START_DIR() + (<usize>r << 2), <u32>(bitmap - <usize>(rangeStart(r) >> 6)));
  ST().chunkCount = r + 1;
}

/** The bitmap bytes of range `r` (which must have one). */
export function rangeBitmap(r: u32): usize {
  return <usize>load<u32>(START_DIR() + (<usize>r << 2)) + <usize>(rangeStart(r) >> 6);
}

/** Sets range 0 up: its bitmap is the one inline in the state. */
export function setupStarts(): void {
  memory.fill(START_BITMAP0(), 0, rangeBitmapBytes(0));
  ST().chunkCount = 0;
  setRangeBitmap(0, START_BITMAP0());
}

export { RANGE_COUNT };
