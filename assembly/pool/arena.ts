// An arena (chapter §3.6): bump allocation with no individual free, for memory that dies all at
// once at the end of a request. Chunks are internal heap blocks (alloc.ts, allocateInternal), which
// the heap's free refuses. They double in size from 4 KiB; a request larger than the next chunk
// gets a chunk of its own size, and the doubling goes on from where it was.
//
//  descriptor (a heap block; its payload is the arena's handle)
//   magic · chunkHead · bumpNext · bumpEnd · nextChunk · used · chunks · resets
//  chunk (a heap block): [next][size][ bytes handed out, 8-aligned ... ]
//
// reset() gives back every chunk but the newest and starts over in it, so a
// request loop settles on one chunk; release() gives everything back and ends the arena.

import { ErrorCode } from "../common";
import { allocateInternal } from "../alloc";
import { releaseInternal } from "../free";
import { isHandle } from "../guard";
import { fail } from "../setup";

// @ts-ignore: decorator
@inline const ARENA_MAGIC: u32 = 0x414E4552;   // "RENA"
// @ts-ignore: decorator
@inline const FIRST_CHUNK: usize = 4096;
// @ts-ignore: decorator
@inline const CHUNK_HEADER: usize = 8;
/** Chunks double up to this size; a larger request gets a chunk of its own size. */
// @ts-ignore: decorator
@inline const MAX_CHUNK: usize = 0x4000_0000;

@unmanaged class Arena {
  magic: u32;
  chunkHead: u32;
  bumpNext: u32;
  bumpEnd: u32;
  nextChunk: u32;
  used: u32;
  chunks: u32;
  resets: u32;
}

/** The arena at handle `h`, or null: a live heap block whose first word is the arena magic. */
function arenaAt(h: usize): Arena | null {
  return isHandle(h, ARENA_MAGIC) ? changetype<Arena>(h) : null;
}

/** Creates an empty arena. Returns its handle, or 0. */
export function arenaCreate(): usize {
  const h = allocateInternal(offsetof<Arena>());
  if (h == 0) return 0;
  const a = changetype<Arena>(h);
  a.magic = ARENA_MAGIC;
  a.chunkHead = 0;
  a.bumpNext = 0;
  a.bumpEnd = 0;
  a.nextChunk = <u32>FIRST_CHUNK;
  a.used = 0;
  a.chunks = 0;
  a.resets = 0;
  return h;
}

/** `n` bytes, 8-aligned, valid until reset or release. 0 when the heap cannot grow or `h` is no arena. */
export function arenaAlloc(h: usize, n: usize): usize {
  const a = arenaAt(h);
  if (a === null) return fail(ErrorCode.INVALID_POINTER, h);
  if (n > 0xF000_0000) return fail(ErrorCode.OUT_OF_MEMORY, 0);
  const size = (n + 7) & ~<usize>7;
  if (<usize>a.bumpEnd - <usize>a.bumpNext < size || a.chunkHead == 0) {
    // The next chunk in the doubling sequence, or a chunk of the request's own size when it is
    // larger (n <= 0xF000_0000, so the sum stays below 2^32).
    const own = size + CHUNK_HEADER;
    const next = <usize>a.nextChunk;
    const bytes = own > next ? own : next;
    const c = allocateInternal(bytes);
    if (c == 0) return fail(ErrorCode.OUT_OF_MEMORY, 0);
    store<u32>(c, a.chunkHead);
    store<u32>(c, <u32>bytes, 4);
    a.chunkHead = <u32>c;
    a.bumpNext = <u32>(c + CHUNK_HEADER);
    a.bumpEnd = <u32>(c + bytes);
    if (bytes == next && next < MAX_CHUNK) a.nextChunk = <u32>(next << 1);
    a.chunks += 1;
  }
  const p = <usize>a.bumpNext;
  a.bumpNext = <u32>(p + size);
  a.used += <u32>size;
  return p;
}

/** Empties the arena, keeping only its newest chunk. Returns OK or INVALID_POINTER. */
export function arenaReset(h: usize): u32 {
  const a = arenaAt(h);
  if (a === null) {
    fail(ErrorCode.INVALID_POINTER, h);
    return ErrorCode.INVALID_POINTER;
  }
  const keep = <usize>a.chunkHead;
  if (keep != 0) {
    let c = <usize>load<u32>(keep);
    while (c != 0) {
      const next = <usize>load<u32>(c);
      releaseInternal(c);
      c = next;
    }
    store<u32>(keep, 0);
    a.bumpNext = <u32>(keep + CHUNK_HEADER);
    a.chunks = 1;
  }
  a.used = 0;
  a.resets += 1;
  return ErrorCode.OK;
}

/** Gives every chunk and the arena itself back to the heap. Returns OK or INVALID_POINTER. */
export function arenaRelease(h: usize): u32 {
  if (arenaReset(h) != ErrorCode.OK) return ErrorCode.INVALID_POINTER;
  const a = changetype<Arena>(h);
  if (a.chunkHead != 0) releaseInternal(<usize>a.chunkHead);
  a.magic = 0;
  releaseInternal(h);
  return ErrorCode.OK;
}

/** Arena statistic `i`: 0 bytes in use, 1 chunks, 2 bytes reserved in chunks, 3 resets. */
export function arenaStat(h: usize, i: u32): f64 {
  const a = arenaAt(h);
  if (a === null) return NaN;
  let bytes: u64 = 0;
  for (let c = <usize>a.chunkHead; c != 0; c = <usize>load<u32>(c)) bytes += <u64>load<u32>(c, 4);
  switch (i) {
    case 0: return <f64>a.used;
    case 1: return <f64>a.chunks;
    case 2: return <f64>bytes;
    case 3: return <f64>a.resets;
    default: return NaN;
  }
}
