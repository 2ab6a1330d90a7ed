// The pure-JS baseline: size-class pools over one ArrayBuffer, free-list stacks, growth by
// doubling. It never crosses into wasm, so its speed is the floor for what a call can cost. It
// implements the same Allocator interface as the wasm heap, so the benchmarks compare like with
// like.
//
// Layout: every block has an 8-byte header [size class][state word] before its 8-aligned
// payload. Classes are 16-byte steps up to 512 bytes, then powers of two up to 1 GiB. A class's
// free blocks form a stack (a JS array of offsets); new blocks come from a bump pointer. When
// the buffer is full it is replaced by one twice as large (copying), so views die on growth,
// as with wasm memory. Pointers are offsets into `buffer`; offset 0 is never handed out.
//
// Checks: free, realloc and usableSize refuse offsets that are out of range, misaligned, or whose
// header is not a live block's, and a second free. The header can be forged by payload bytes
// (it is not exact like the wasm heap's start table); that is the price of the baseline's speed.

import type { Allocator, HeapStats, HeapViolation } from "./api.js";
import { oversizeOrThrow, badPointer } from "./args.js";
import { HeapError, hex } from "./errors.js";

const HEADER = 8;
const LIVE = 0x4A534C56;                    // "VLSJ"
const FREE = 0x4A534652;
const SMALL_STEP = 16;
const SMALL_MAX = 512;
const SMALL_CLASSES = SMALL_MAX / SMALL_STEP;         // classes 0..31: 16..512
const LARGE_CLASSES = 21;                             // classes 32..52: 1 KiB .. 1 GiB

/** The payload size of class `c`. */
function classSize(c: number): number {
  return c < SMALL_CLASSES ? (c + 1) * SMALL_STEP : 1024 * 2 ** (c - SMALL_CLASSES);
}
/** The smallest class that holds `n` bytes, or -1 beyond 1 GiB. */
function classOf(n: number): number {
  if (n <= SMALL_MAX) return n === 0 ? 0 : ((n + SMALL_STEP - 1) >>> 4) - 1;
  const c = SMALL_CLASSES + Math.max(0, Math.ceil(Math.log2(n / 1024)));
  return c < SMALL_CLASSES + LARGE_CLASSES ? c : -1;
}

/** Options for {@link createJsPool}. */
export interface JsPoolOptions {
  /** Bytes of the first buffer. @defaultValue 65536 */
  initialBytes?: number;
  /** The buffer never grows past this; past it, malloc returns 0. @defaultValue 2 GiB */
  maximumBytes?: number;
}

/** The JS pool allocator: an Allocator over an ArrayBuffer that doubles. */
export interface JsPool extends Allocator {
  /** The current buffer (replaced when the pool grows). */
  readonly buffer: ArrayBuffer;
  /** The buffer as `memory.buffer`, as on the wasm heap, for tools such as replay's verifier. */
  readonly memory: { readonly buffer: ArrayBuffer };
}

/** A pure-JS pool allocator. */
export function createJsPool(options: JsPoolOptions = {}): JsPool {
  const maximum = options.maximumBytes ?? 2 ** 31;
  let buffer = new ArrayBuffer(Math.max(4096, options.initialBytes ?? 65536));
  let words = new Int32Array(buffer);
  let bytes = new Uint8Array(buffer);
  let top = 8;                               // offset 0 stays unused, so 0 means failure
  let peak = 0;
  let used = 0;
  let usedBlocks = 0;
  let grows = 0;
  const stacks: number[][] = Array.from({ length: SMALL_CLASSES + LARGE_CLASSES }, () => []);

  const grow = (need: number): boolean => {
    let size = buffer.byteLength;
    while (size < need) size *= 2;
    if (size > maximum) return false;
    const next = new ArrayBuffer(size);
    new Uint8Array(next).set(bytes);
    buffer = next;
    words = new Int32Array(buffer);
    bytes = new Uint8Array(buffer);
    grows++;
    return true;
  };

  const allocClass = (c: number): number => {
    let p = stacks[c].pop();
    if (p === undefined) {
      const size = classSize(c);
      const end = top + HEADER + size;
      if (end > buffer.byteLength && !grow(end)) return 0;
      p = top + HEADER;
      top = end;
      words[(p - HEADER) >> 2] = c;
    }
    words[(p - 4) >> 2] = LIVE;
    used += classSize(c);
    usedBlocks++;
    if (used > peak) peak = used;
    return p;
  };

  /** The class of the live block at `p`, or throws the HeapError for a bad pointer. */
  const liveClass = (fn: string, p: number): number => {
    if ((p & 7) !== 0 || p < 8 + HEADER || p >= top) {
      throw new HeapError("invalid-pointer", `${fn}(${hex(p)}): not a block of this JS pool`, p);
    }
    const state = words[(p - 4) >> 2];
    if (state === FREE) throw new HeapError("double-free", `${fn}(${hex(p)}): the block is already free`, p);
    const c = words[(p - HEADER) >> 2];
    if (state !== LIVE || c < 0 || c >= stacks.length) {
      throw new HeapError("invalid-pointer", `${fn}(${hex(p)}): not a block of this JS pool`, p);
    }
    return c;
  };

  const malloc = (n: number): number => {
    if (typeof n !== "number" || (n >>> 0) !== n) return oversizeOrThrow("malloc", "size", n);
    const c = classOf(n);
    return c < 0 ? 0 : allocClass(c);
  };

  const free = (p: number): void => {
    if (typeof p !== "number" || (p >>> 0) !== p) badPointer("free", p);
    if (p === 0) return;
    const c = liveClass("free", p);
    words[(p - 4) >> 2] = FREE;
    stacks[c].push(p);
    used -= classSize(c);
    usedBlocks--;
  };

  const memory = { get buffer() { return buffer; } };
  return {
    get buffer() { return buffer; },
    memory,
    malloc,
    free,
    calloc(count: number, size: number): number {
      if (typeof count !== "number" || (count >>> 0) !== count) return oversizeOrThrow("calloc", "count", count);
      if (typeof size !== "number" || (size >>> 0) !== size) return oversizeOrThrow("calloc", "size", size);
      const n = count * size;
      if (n > 0xFFFF_FFFF) return 0;
      const p = malloc(n);
      if (p !== 0) bytes.fill(0, p, p + n);
      return p;
    },
    realloc(p: number, n: number): number {
      if (typeof p !== "number" || (p >>> 0) !== p) badPointer("realloc", p);
      if (p === 0) return malloc(n);
      const c = liveClass("realloc", p);
      if (typeof n !== "number" || (n >>> 0) !== n) return oversizeOrThrow("realloc", "size", n);
      if (n <= classSize(c)) return p;
      const q = malloc(n);
      if (q === 0) return 0;
      bytes.copyWithin(q, p, p + classSize(c));
      free(p);
      return q;
    },
    alignedAlloc(alignment: number, size: number): number {
      if (alignment !== 1 && alignment !== 2 && alignment !== 4 && alignment !== 8) {
        throw new RangeError(`alignedAlloc: the JS pool aligns to 8 bytes at most, got ${alignment}`);
      }
      return malloc(size);
    },
    usableSize(p: number): number {
      if (typeof p !== "number" || (p >>> 0) !== p) badPointer("usableSize", p);
      return p === 0 ? 0 : classSize(liveClass("usableSize", p));
    },
    stats(): HeapStats {
      let freeBytes = 0;
      let freeBlocks = 0;
      let largestFree = 0;
      stacks.forEach((s, c) => {
        freeBlocks += s.length;
        freeBytes += s.length * classSize(c);
        if (s.length) largestFree = Math.max(largestFree, classSize(c));
      });
      return {
        extent: top, peakExtent: top, memoryBytes: buffer.byteLength, usedBytes: used, usedBlocks,
        freeBytes, freeBlocks, largestFree, peakUsedBytes: peak, growCalls: grows, bytesCleared: 0,
        heapStart: 8, guardBytes: 0, allocations: 0, quarantinedBlocks: 0, quarantinedBytes: 0, foreignBytes: 0, cachedBlocks: 0, cachedBytes: 0,
      };
    },
    check(): HeapViolation | null {
      let listed = 0;
      for (let c = 0; c < stacks.length; c++) {
        for (const p of stacks[c]) {
          listed++;
          if (p < 8 + HEADER || p >= top || words[(p - 4) >> 2] !== FREE || words[(p - HEADER) >> 2] !== c) {
            return { code: "heap-corrupt", invariant: 1, address: p, message: `JS pool: free list of class ${c} holds ${p}, which is not a free block of that class` };
          }
        }
      }
      return null;
    },
  };
}
