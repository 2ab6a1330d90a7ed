// wasmalloc as AssemblyScript's memory manager: the `__alloc`, `__realloc` and `__free` that
// AssemblyScript's collectors (itcms for `--runtime incremental`, tcms for `--runtime minimal`)
// call, in place of its TLSF. incremental.ts and minimal.ts define those three with this file's
// functions and then import the collector, as AssemblyScript's own
// std/assembly/rt/index-incremental.ts does with TLSF:
//
//   asc app.ts --runtime ./node_modules/wasmalloc/runtime/incremental
//
// The contract (AssemblyScript's std/assembly/rt/README.md and common.ts):
// - an `__alloc` result is 16-byte aligned;
// - the word just before it, masked with ~3, is read by the collector as the bytes usable from
//   the result: for its accounting, and by `__renew` to grow an object in place. It must never
//   say more than is usable.
//
// wasmalloc's own header sits before its payload q (8-aligned) and holds the block's size, which
// counts the header itself, so it would overstate by 4. So each managed block carries a word of
// its own before a 16-aligned result r, 8 or 16 bytes into wasmalloc's payload:
//
//   q (8-aligned, wasmalloc's payload)            r (16-aligned, __alloc's result)
//   │ (8 bytes when q ≡ 0 mod 16)  │ 4 bytes │ info │ object ...                     │
//                                            r - 4: usable bytes from r (a multiple of 4),
//                                                   bit 0 set when r = q + 16
//
// Every block goes through wasmalloc's malloc, realloc and free (wasmalloc/assembly), so the
// pointer checks, check(), stats() and the debug heap (asc --use WASMALLOC_DEBUG=1) see the
// managed objects like any block. A refused pointer or a failed allocation aborts with a message:
// both mean a broken runtime or an exhausted heap, where AssemblyScript's TLSF traps.

import { calloc, free, malloc, realloc } from "../assembly/index";

/** The largest request: AssemblyScript's own limit for a block (std/assembly/rt/common.ts). */
// @ts-ignore: decorator
@inline const MAX_SIZE: usize = (1 << 30) - 4;
/** Bytes asked of wasmalloc beyond the request: room for the info word and the alignment. */
// @ts-ignore: decorator
@inline const SLACK: usize = 16;

/** The result r for wasmalloc's payload q, with its info word written: `usable` bytes from q. */
// @ts-ignore: decorator
@inline function settle(q: usize, usable: usize): usize {
  const r = (q + 4 + 15) & ~15;             // q + 8 or q + 16: q is 8-aligned
  store<u32>(r - 4, <u32>((q + usable - r) & ~3) | <u32>((r - q) >> 4));
  return r;
}

/** wasmalloc's payload for a result r of __alloc (r at or above __heap_base). */
// @ts-ignore: decorator
@inline function payloadOf(r: usize): usize {
  return r - 8 - (<usize>(load<u32>(r - 4) & 1) << 3);
}

/**
 * `__alloc`: at least `size` bytes at a 16-aligned address, all zero when `zero` is set (the
 * minimal runtime's: see minimal.ts).
 */
// @ts-ignore: decorator
@inline export function allocate(size: usize, zero: bool): usize {
  if (size > MAX_SIZE) abort("wasmalloc runtime: allocation too large");
  const q = zero ? calloc(1, size + SLACK) : malloc(size + SLACK);
  if (q == 0) abort("wasmalloc runtime: out of memory");
  return settle(q, size + SLACK);
}

/**
 * `__realloc`: the block at `ptr` resized to `size` bytes, moved when it must be. With `zero`,
 * every byte past the old contents up to the block's usable end is zero afterwards, as it is
 * after a zeroed `__alloc` (the minimal runtime's objects rely on it when they grow).
 */
// @ts-ignore: decorator
@inline export function reallocate(ptr: usize, size: usize, zero: bool): usize {
  if (size > MAX_SIZE) abort("wasmalloc runtime: allocation too large");
  const had = <usize>(load<u32>(ptr - 4) & ~3);
  const keep = had < size ? had : size;
  if (ptr < __heap_base) {                  // a static object: copied into a new block
    const r = allocate(size, zero);
    memory.copy(r, ptr, keep);
    return r;
  }
  const q = payloadOf(ptr);
  const at = ptr - q;                       // where the data sits in the block: 8 or 16
  const q2 = realloc(q, size + SLACK);
  if (q2 == 0) abort("wasmalloc runtime: out of memory, or __realloc of a block that is not live");
  const r2 = (q2 + 4 + 15) & ~15;
  if (r2 - q2 != at) memory.copy(r2, q2 + at, keep);
  const r = settle(q2, size + SLACK);
  if (zero) memory.fill(r + keep, 0, (<usize>(load<u32>(r - 4) & ~3)) - keep);
  return r;
}

/** `__free`: gives the block at `ptr` back; static data (below __heap_base) is never freed. */
// @ts-ignore: decorator
@inline export function release(ptr: usize): void {
  if (ptr < __heap_base) return;
  if (free(payloadOf(ptr)) != 0) abort("wasmalloc runtime: __free of a block that is not live");
}
