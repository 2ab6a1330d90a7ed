// Types only: the options, results and interfaces of the package.
import type { WasmMemory, WasmModule } from "./wasm-types.js";

/** How a heap picks a free block for a request. */
export type Policy = "first-fit" | "next-fit" | "best-fit" | "segregated";

/** When a freed block merges with free neighbours. */
export type Coalesce = "immediate" | "deferred";

/** Options for {@link createHeap}. Every field is optional. */
export interface HeapOptions {
  /**
   * Placement policy. `"first-fit"` takes the lowest-addressed free block that fits;
   * `"next-fit"` resumes after the last placement and wraps; `"best-fit"` takes the smallest
   * block that fits, the lowest address on ties; `"segregated"` keeps a free list per size class
   * (exact sizes below 256 bytes, 8 classes per power of two above) and takes the best fit in
   * the request's class or the next non-empty one, found through a bitmap.
   * @defaultValue "segregated"
   */
  policy?: Policy;
  /**
   * `"immediate"` merges a freed block with free neighbours at once; `"deferred"` merges all
   * adjacent free blocks only when a search fails, before the heap grows.
   * @defaultValue "immediate"
   */
  coalesce?: Coalesce;
  /**
   * Memory pages (64 KiB each) to grow to at creation. An INTEGER from 0 to `maximumPages`;
   * 0 means only what the heap's bookkeeping needs (one page).
   * @defaultValue 1
   */
  initialPages?: number;
  /**
   * The heap never grows memory past this many pages; past it, malloc returns 0. An INTEGER
   * from 1 to 65536 (the 4 GiB wasm32 ceiling).
   * @defaultValue 65536
   */
  maximumPages?: number;
  /**
   * Use the debug heap: fills, a quarantine, canaries, sequence numbers and leak reports (see
   * README, "The debug heap"). Pointers, sizes and speed differ from the release heap.
   * @defaultValue false
   */
  debug?: boolean;
  /**
   * Debug heap only: record a JS stack (`new Error().stack`) with every allocation made from JS,
   * shown in leak reports. Costly; for hunting a leak.
   * @defaultValue false
   */
  captureStacks?: boolean;
  /**
   * Put the heap in a shared WebAssembly.Memory so that workers can attach to it (see
   * {@link SharedHeap}). It uses the shared build (atomics, a lock in the heap).
   * @defaultValue false
   */
  shared?: boolean;
  /**
   * Keep a cache of small freed blocks. On a release heap with segregated fits and immediate
   * coalescing (the defaults), free puts a block of up to 512 bytes (header included) in a bin
   * of its size, up to 8 a bin, and the last freed block of 520 bytes to 4 KiB in a cache of one
   * (the victim, whose previous block is then freed for real); the next malloc of that size takes
   * it back: no merge, no list work. The cached blocks are free to the user (`stats().cachedBlocks`, in `freeBytes`)
   * and are merged before the heap grows, before a request fails and when the heap empties. On
   * a shared heap, a per-instance cache, so that most malloc/free pairs take no lock. Off: every
   * free merges at once, as the chapter's boundary-tag heap does. The debug heap has no cache.
   * @defaultValue true
   */
  cache?: boolean;
  /**
   * Put the heap in a `WebAssembly.Memory` that someone else owns (another module's, say an
   * Emscripten module's), at `heapBase`. The heap takes the memory from `heapBase` to its
   * current end, clears it, and grows it with `memory.grow` from then on. It never uses pages
   * that someone else grew: when memory has grown past the heap's own pages, it steps over them
   * (`stats().foreignBytes`). Anyone else who allocates in the same memory must do the same, so
   * an sbrk that takes every byte up to the memory's end must not share it. One heap per memory.
   * Not with `shared`; `debug` works.
   */
  memory?: WasmMemory;
  /**
   * With `memory`, and required with it: where the heap's state goes (rounded up to 8), an
   * INTEGER from 1 to 2^32 − 65536. The heap itself starts about 9 KiB higher.
   */
  heapBase?: number;
}

/** A snapshot of a heap's statistics. All sizes are in bytes. */
export interface HeapStats {
  /** What brk has handed the allocator: from the prologue to the heap's end. */
  extent: number;
  /** The largest extent so far; the same as `extent`, because the heap never shrinks. */
  peakExtent: number;
  /** The size of the wasm memory (pages × 65536). */
  memoryBytes: number;
  /** Bytes in used blocks, headers included. */
  usedBytes: number;
  /** Live blocks. */
  usedBlocks: number;
  /**
   * Bytes not in use: extent − prologue − epilogue − usedBytes − guardBytes − foreignBytes. The
   * free blocks, and the freed blocks waiting in the cache (`cachedBytes`).
   */
  freeBytes: number;
  /** Free blocks (those on the free lists; the cached ones are in `cachedBlocks`). */
  freeBlocks: number;
  /** The largest free block (0 when there is none). */
  largestFree: number;
  /** The high-water mark of usedBytes. */
  peakUsedBytes: number;
  /** `memory.grow` calls made by this heap, including the one that reached initialPages. */
  growCalls: number;
  /** Bytes that calloc had to clear. Pages fresh from memory.grow are zero and not counted. */
  bytesCleared: number;
  /** The address of the prologue, where the extent starts. */
  heapStart: number;
  /**
   * Bytes of the extent that hold the start table (the exact pointer check): 0 while the heap
   * fits the first 1 MiB, whose table lives in the state; beyond, the table's chunk, an internal
   * block not counted in usedBytes, of 1 byte per 128 bytes of the heap it covers.
   */
  guardBytes: number;
  /** Debug heap: allocations so far, which is the last sequence number (0 in the release heap). */
  allocations: number;
  /** Debug heap: freed blocks waiting in quarantine, counted in usedBlocks. */
  quarantinedBlocks: number;
  /** Debug heap: their bytes, counted in usedBytes. */
  quarantinedBytes: number;
  /**
   * A heap in memory that someone else owns ({@link HeapOptions.memory}, or a program's heap
   * from linkProgram): bytes of the extent that lie over pages someone else grew, which the heap
   * steps over (internal blocks, not in usedBytes or freeBytes). 0 for every other heap.
   */
  foreignBytes: number;
  /**
   * Freed blocks (up to 512 bytes with the header, and one of up to 4 KiB) waiting in the cache
   * that makes malloc and free of the same sizes cheap: segregated fits with immediate
   * coalescing, release heap.
   * They are free to the user (not in usedBlocks, in freeBytes); the cache is emptied before the
   * heap grows or a request fails. 0 on other heaps.
   */
  cachedBlocks: number;
  /** Their bytes, headers included. */
  cachedBytes: number;
}

/** The first violation {@link Allocator.check} found. */
export interface HeapViolation {
  /**
   * `"heap-corrupt"` for a broken layout invariant (I1–I14, I17, I18); on the debug heap,
   * `"heap-overflow"` (I15) and `"use-after-free"` (I16).
   */
  code: "heap-corrupt" | "heap-overflow" | "use-after-free";
  /** The number of the invariant that failed (assembly/check.ts, I1–I14 and I18; assembly/debug.ts, I15–I17). */
  invariant: number;
  /** The block (or state) where the walk stopped. */
  address: number;
  /** What is wrong, in words. */
  message: string;
}

/**
 * The allocator interface. The wasm heap implements it, and so will the JS pool baseline and
 * the peers in the benchmarks, so that tests and benchmarks compare like with like.
 */
export interface Allocator {
  /** At least `size` bytes, 8-aligned; 0 when the heap cannot grow. */
  malloc(size: number): number;
  /** Frees a live block. free(0) does nothing. */
  free(ptr: number): void;
  /** `count * size` zeroed bytes; 0 when the product overflows 32 bits or the heap cannot grow. */
  calloc(count: number, size: number): number;
  /** Resizes a block, moving it only when it cannot grow in place; 0 when out of memory. */
  realloc(ptr: number, size: number): number;
  /** A block whose address is a multiple of `alignment` (a power of two). */
  alignedAlloc(alignment: number, size: number): number;
  /** The usable bytes of a live block. */
  usableSize(ptr: number): number;
  /** A statistics snapshot. */
  stats(): HeapStats;
  /** `null` when every invariant holds, else the first violation. */
  check(): HeapViolation | null;
}

/** The typed-array constructors a heap can place arrays of. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/**
 * A typed array on the heap that stays usable when memory grows. `using a = heap.allocArray(…)`
 * frees it at the end of the scope (`[Symbol.dispose]` frees it unless free() already did).
 */
export interface HeapArray<T extends ArrayBufferView> extends Disposable {
  /** The payload address. */
  readonly ptr: number;
  /** The number of elements. */
  readonly length: number;
  /**
   * A view of the elements. It is re-created whenever `memory.grow` has replaced the buffer, so
   * read it again after any allocation instead of keeping it. Throws after `free()`.
   */
  readonly view: T;
  /** Frees the block. A second call throws. */
  free(): void;
}

/** A live block in a debug heap's leak report. */
export interface LeakEntry {
  /** The pointer malloc returned. */
  ptr: number;
  /** The bytes asked for. */
  size: number;
  /** The allocation's sequence number: 1 for the heap's first allocation, and so on. */
  seq: number;
  /** The label given at allocation, if any. */
  label?: string;
  /** The JS stack at allocation, with `captureStacks`. */
  stack?: string;
}

/** One block of the heap, as {@link Heap.blocks} sees it. */
export interface HeapBlock {
  /** The block's first byte: its header. The payload starts 4 bytes later. */
  address: number;
  /** The block's size in bytes, header included. */
  size: number;
  /**
   * `"internal"` is the allocator's own: the start table's chunk, a pool's or arena's descriptor
   * or chunk; `"quarantined"` a freed block on the debug heap; `"cached"` a freed small block
   * waiting in the cache (free to the user, not yet merged with its neighbours).
   */
  kind: "free" | "used" | "internal" | "quarantined" | "cached";
}

/** Statistics of a {@link FixedPool}. */
export interface FixedPoolStats {
  /** The object size the pool was made for. */
  objectSize: number;
  /** Bytes per slot: the object size rounded up to 8. */
  slotSize: number;
  /** Objects handed out and not yet given back. */
  live: number;
  /** Chunks taken from the heap (each twice the size of the one before). */
  chunks: number;
  /** Slots in all chunks. */
  capacity: number;
  /** alloc() calls that succeeded. */
  allocs: number;
  /** free() calls that succeeded. */
  frees: number;
  /** Bytes of the chunks, bitmaps included. */
  reservedBytes: number;
}

/** Objects of one size with O(1) alloc and free, in chunks taken from the heap. */
export interface FixedPool extends Disposable {
  /** An object of the pool's size, 8-aligned, uninitialised; 0 when the heap cannot grow. */
  alloc(): number;
  /** Gives an object back. Throws HeapError "invalid-pointer" (not from this pool) or "double-free". */
  free(ptr: number): void;
  stats(): FixedPoolStats;
  /**
   * Gives every chunk back to the heap; the pool's objects die with it. Any later call but
   * dispose() throws HeapError "disposed"; a second dispose() does nothing. `using` calls it.
   */
  dispose(): void;
}

/** Statistics of an {@link Arena}. */
export interface ArenaStats {
  /** Bytes handed out since the last reset (rounded up to 8 each). */
  usedBytes: number;
  /** Chunks held. */
  chunks: number;
  /** Bytes of the chunks held. */
  reservedBytes: number;
  /** reset() calls. */
  resets: number;
}

/** Bump allocation with no individual free: reset() empties it, dispose() gives it all back. */
export interface Arena extends Disposable {
  /** `size` bytes, 8-aligned, valid until reset() or dispose(); 0 when the heap cannot grow. */
  alloc(size: number): number;
  /** Empties the arena, keeping its newest chunk for the next round. */
  reset(): void;
  /**
   * Gives every chunk back to the heap. Any later call but dispose() throws HeapError "disposed";
   * a second dispose() does nothing. `using` calls it.
   */
  dispose(): void;
  stats(): ArenaStats;
}

/** A heap on its own WebAssembly instance. */
export interface Heap extends Allocator, Disposable {
  /** The wasm memory the heap lives in. */
  readonly memory: WasmMemory;
  /** The placement policy chosen at creation. */
  readonly policy: Policy;
  /** The coalescing mode chosen at creation. */
  readonly coalesce: Coalesce;
  /** A pool of objects of `size` bytes (an integer of at least 1), its chunks taken from this heap. */
  fixedPool(size: number): FixedPool;
  /** An arena whose chunks are taken from this heap. */
  arena(): Arena;
  /** Every block in address order, from the first after the prologue to the last before the epilogue. */
  blocks(): HeapBlock[];
  /** Allocates `length` elements of `ctor` as a handle whose view survives memory growth. */
  allocArray<C extends TypedArrayConstructor>(ctor: C, length: number): HeapArray<InstanceType<C>>;
  /**
   * Ends this Heap object: every later call on it, its pools and its arenas throws HeapError
   * "disposed" (a second dispose() does nothing), and the memory is the garbage collector's once
   * nothing else holds it. A shared heap's instance first gives its cached blocks back to the
   * heap, which stays usable from the other workers. `using heap = await createHeap()` calls it.
   */
  dispose(): void;
}

/**
 * A debug heap (`createHeap({ debug: true })`). Allocation calls take an optional label that
 * leak reports show.
 */
export interface DebugHeap extends Heap {
  malloc(size: number, label?: string): number;
  calloc(count: number, size: number, label?: string): number;
  realloc(ptr: number, size: number, label?: string): number;
  alignedAlloc(alignment: number, size: number, label?: string): number;
  /** Every live block, in address order. */
  leaks(): LeakEntry[];
  /** A mark for {@link DebugHeap.leaksSince}: the current allocation count. */
  mark(): number;
  /** The live blocks allocated after `mark`: what a request left behind. */
  leaksSince(mark: number): LeakEntry[];
}

/** What a worker needs to attach to a shared heap: post it with postMessage. */
export interface SharedHeapHandle {
  /** The compiled shared build. */
  readonly module: WasmModule;
  /** The shared memory that holds the heap. */
  readonly memory: WasmMemory;
  /** The heap's choices, for the attached Heap object. */
  readonly policy: Policy;
  readonly coalesce: Coalesce;
}

/** A heap in shared memory (`createHeap({ shared: true })`, or `attachHeap` in a worker). */
export interface SharedHeap extends Heap {
  /** A handle for `attachHeap` in another worker. */
  share(): SharedHeapHandle;
}
