// createHeap: a heap on its own instance of the core, behind argument checks that cost one
// comparison on the fast path.

import type {
  Arena, Coalesce, DebugHeap, FixedPool, Heap, HeapArray, HeapBlock, HeapOptions, HeapStats, HeapViolation, LeakEntry, Policy,
  SharedHeap, SharedHeapHandle,
  TypedArrayConstructor,
} from "./api.js";
import { U32_LIMIT, badPointer, integerIn, oversizeOrThrow } from "./args.js";
import { CoreError, HeapError, describe, findingMessage, hex, pointerError } from "./errors.js";
import { INVARIANTS } from "./invariants.js";
import { type CoreExports, coreModule, instantiateCore } from "./loader.js";
import { STAT_FIELDS, readStats } from "./stats.js";
import { HeapArrayHandle } from "./views.js";
import { type Life, makeArena, makeFixedPool } from "./pools.js";
import type { WasmMemory } from "./wasm-types.js";

/** The core's numbers for each policy (assembly/common.ts, Policy). */
export const POLICIES: Readonly<Record<Policy, number>> = { "first-fit": 0, "next-fit": 1, "best-fit": 2, segregated: 3 };
/** The core's numbers for each coalescing mode (assembly/common.ts, Coalesce). */
export const COALESCING: Readonly<Record<Coalesce, number>> = { immediate: 0, deferred: 1 };
/** The options createHeap knows. */
const OPTION_KEYS = new Set([
  "policy", "coalesce", "initialPages", "maximumPages", "debug", "captureStacks", "shared", "cache", "memory", "heapBase",
]);
/** heap_block_kind's answers. */
const BLOCK_KINDS: readonly HeapBlock["kind"][] = ["free", "used", "internal", "quarantined", "cached"];
/** The wasm32 ceiling in pages. */
export const MAX_PAGES = 65536;

/** Options with every default filled in. */
export interface ResolvedOptions {
  policy: Policy;
  coalesce: Coalesce;
  initialPages: number;
  maximumPages: number;
  debug: boolean;
  captureStacks: boolean;
  shared: boolean;
  cache: boolean;
  /** A memory that someone else owns, and where in it the heap goes (both, or neither). */
  memory?: WasmMemory;
  heapBase: number;
}

/** A boolean option, or its default; throws TypeError for anything else. */
function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`createHeap: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** Validates options and fills in defaults; throws TypeError or RangeError on bad values. */
export function resolveOptions(options: HeapOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object") {
    throw new TypeError(`createHeap: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(`createHeap: unknown option ${JSON.stringify(key)}; known: ${[...OPTION_KEYS].join(", ")}`);
    }
  }
  const policy = options.policy ?? "segregated";
  if (!Object.hasOwn(POLICIES, policy)) {
    throw new RangeError(`createHeap: policy must be one of ${Object.keys(POLICIES).join(", ")}; got ${describe(policy)}`);
  }
  const coalesce = options.coalesce ?? "immediate";
  if (!Object.hasOwn(COALESCING, coalesce)) {
    throw new RangeError(`createHeap: coalesce must be one of ${Object.keys(COALESCING).join(", ")}; got ${describe(coalesce)}`);
  }
  const maximumPages = integerIn("createHeap", "maximumPages", options.maximumPages ?? MAX_PAGES, 1, MAX_PAGES);
  const initialPages = integerIn("createHeap", "initialPages", options.initialPages ?? 1, 0, maximumPages);
  const debug = flag("debug", options.debug, false);
  const captureStacks = flag("captureStacks", options.captureStacks, false);
  if (captureStacks && !debug) throw new TypeError("createHeap: captureStacks needs debug: true");
  const shared = flag("shared", options.shared, false);
  const cache = flag("cache", options.cache, true);
  if (shared && debug) throw new TypeError("createHeap: a heap cannot be both shared and debug (yet)");
  const { memory } = options;
  let heapBase = 0;
  if (memory !== undefined) {
    if (!(memory instanceof WebAssembly.Memory)) {
      throw new TypeError(`createHeap: memory must be a WebAssembly.Memory, got ${describe(memory)}`);
    }
    if (shared || (typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError("createHeap: a heap in a memory of your own cannot be shared; use shared: true without memory");
    }
    if (options.heapBase === undefined) throw new TypeError("createHeap: memory needs heapBase, the address where the heap goes");
    heapBase = integerIn("createHeap", "heapBase", options.heapBase, 1, U32_LIMIT - 65536);
  } else if (options.heapBase !== undefined) {
    throw new TypeError("createHeap: heapBase needs memory, the WebAssembly.Memory it is an address in");
  }
  return { policy, coalesce, initialPages, maximumPages, debug, captureStacks, shared, cache, memory, heapBase };
}

/**
 * A fresh heap on its own WebAssembly instance and memory.
 *
 * Throws TypeError or RangeError for bad options, and HeapError "out-of-memory" when memory
 * cannot grow to `initialPages`.
 */
export async function createHeap(options: HeapOptions & { debug: true }): Promise<DebugHeap>;
export async function createHeap(options: HeapOptions & { shared: true }): Promise<SharedHeap>;
export async function createHeap(options?: HeapOptions): Promise<Heap>;
export async function createHeap(options?: HeapOptions): Promise<Heap | DebugHeap> {
  const resolved = resolveOptions(options);
  if (resolved.memory) {
    const core = await instantiateCore(resolved.debug ? "foreign-debug" : "foreign", resolved.memory);
    placeHeap(core, "createHeap", resolved, 1);
    return wrapHeap(core, resolved);
  }
  const memory = resolved.shared
    ? new WebAssembly.Memory({ initial: Math.max(1, resolved.initialPages), maximum: resolved.maximumPages, shared: true })
    : undefined;
  const core = await instantiateCore(resolved.debug ? "debug" : resolved.shared ? "shared" : "release", memory);
  configure(core, "createHeap", resolved, `cannot grow memory to ${resolved.initialPages} pages within ${resolved.maximumPages}`);
  if (resolved.shared) return wrapShared(core, resolved, await coreModule("shared"));
  return wrapHeap(core, resolved);
}

/** heap_configure with the options' choices; throws HeapError "out-of-memory" (saying `outOfMemory`) or "bad-config". */
function configure(core: CoreExports, fn: string, options: ResolvedOptions, outOfMemory: string): void {
  const rc = core.heap_configure(
    POLICIES[options.policy], COALESCING[options.coalesce], options.initialPages, options.maximumPages,
  );
  if (rc === CoreError.OUT_OF_MEMORY) throw new HeapError("out-of-memory", `${fn}: ${outOfMemory}`);
  if (rc !== CoreError.OK) throw new HeapError("bad-config", `${fn}: the core refused the configuration (code ${rc})`);
  if (!options.cache) core.heap_set_cache(0);
}

/**
 * Sets up a foreign-build core's heap at `options.heapBase` (cleared first when `fresh` is 1)
 * with the options' policy and limits. Throws HeapError "bad-config" or "out-of-memory".
 */
export function placeHeap(core: CoreExports, fn: string, options: ResolvedOptions, fresh: 0 | 1): void {
  if (core.heap_place(options.heapBase, fresh) !== CoreError.OK) {
    throw new HeapError("bad-config", `${fn}: cannot place a heap at ${hex(options.heapBase)}: too near the 4 GiB ceiling`);
  }
  configure(core, fn, options,
    `no room for the heap at ${hex(options.heapBase)} within ${options.maximumPages} pages (memory has ${core.memory.buffer.byteLength / 65536}, and cannot grow, or has grown past it elsewhere)`);
}

/** Whether this thread may block in Atomics.wait: not a browser's main thread. */
function threadCanWait(): boolean {
  return !(typeof window !== "undefined" && typeof document !== "undefined");
}

/** The shared heap's extras: a handle to post to workers; dispose gives the instance's cache back first. */
function wrapShared(core: CoreExports, options: ResolvedOptions, module: WebAssembly.Module): SharedHeap {
  core.heap_set_can_wait(threadCanWait() ? 1 : 0);
  if (!options.cache) core.heap_set_cache(0);
  const life: Life = { disposed: false };
  return {
    ...wrapCore(core, options, life, () => core.heap_detach()),
    share: () => {
      if (life.disposed) throw disposedError("share");
      return { module, memory: core.memory, policy: options.policy, coalesce: options.coalesce };
    },
  };
}

/**
 * Attaches to a shared heap from another worker (or the same thread): a new instance of the
 * shared build on the same memory. Nothing is set up again. `options.cache` as for createHeap.
 */
export async function attachHeap(handle: SharedHeapHandle, options: { cache?: boolean } = {}): Promise<SharedHeap> {
  if (handle === null || typeof handle !== "object" || !(handle.module instanceof WebAssembly.Module) ||
      !(handle.memory instanceof WebAssembly.Memory)) {
    throw new TypeError(`attachHeap: expected the handle from heap.share(), got ${describe(handle)}`);
  }
  const resolved = resolveOptions({ policy: handle.policy, coalesce: handle.coalesce, shared: true, cache: options.cache });
  const core = await instantiateCore("shared", handle.memory, handle.module);
  return wrapShared(core, resolved, handle.module);
}

/**
 * The JS heap over exports that a module built from assembly/index.ts already has: a wasm
 * program that embeds the allocator, read by its host. Not part of the package's public API yet.
 */
export function heapFromExports(core: CoreExports, options: HeapOptions = {}): Heap | DebugHeap {
  return wrapHeap(core, resolveOptions(options));
}

/** The Heap (or DebugHeap, with `debug`) over a core instance whose heap is set up. */
export function wrapHeap(core: CoreExports, options: ResolvedOptions): Heap | DebugHeap {
  return options.debug ? wrapDebug(core, options) : wrapCore(core, options, { disposed: false });
}

/**
 * The HeapError for a call the core refused with `code` (not OUT_OF_MEMORY). Debug-heap findings
 * carry the details the core left in heap_error_info.
 */
export function refusal(core: CoreExports, fn: string, code: number, ptr: number): HeapError {
  if (code === CoreError.USE_AFTER_FREE || code === CoreError.HEAP_OVERFLOW) {
    const kind = code === CoreError.USE_AFTER_FREE ? "use-after-free" : "heap-overflow";
    const at = core.heap_error_info(0) >>> 0;
    const finding = findingMessage(kind, at, core.heap_error_info(1) >>> 0, core.heap_error_info(2) | 0);
    const where = kind === "use-after-free" ? " (found as that block left the quarantine)" : "";
    return new HeapError(kind, `${fn}(${hex(ptr)}) refused: ${finding}${where}`, at);
  }
  if (code === CoreError.DOUBLE_FREE || code === CoreError.INVALID_POINTER) return pointerError(fn, code, ptr);
  return new HeapError("heap-corrupt", `${fn}(${hex(ptr)}) refused with core error ${code}`, ptr);
}

/** The error for a call on a disposed Heap object. */
function disposedError(fn: string): HeapError {
  return new HeapError("disposed", `${fn}(): the heap was disposed`);
}

/**
 * The Heap methods over one core instance. `life` says whether it was disposed (shared with the
 * debug heap's and the pools' methods); `onDispose` runs once, before it is.
 */
function wrapCore(core: CoreExports, options: ResolvedOptions, life: Life, onDispose?: () => void): Heap {
  // malloc and free, the calls made most, test no flag for disposal: dispose() swaps these two
  // for functions that throw (a test per call cost a replay of 200,000 calls about 2 ms from JS;
  // RESULTS.md).
  let rawMalloc = core.malloc;
  let rawFree: (ptr: number) => number = core.free;
  const rawCalloc = core.calloc;
  const rawRealloc = core.realloc;
  const rawAligned = core.alignedAlloc;
  const rawUsable = core.usableSize;
  const memory = core.memory;

  /** Ends this Heap object (a second call does nothing). */
  const dispose = (): void => {
    if (life.disposed) return;
    onDispose?.();
    life.disposed = true;
    rawMalloc = () => { throw disposedError("malloc"); };
    rawFree = () => { throw disposedError("free"); };
  };

  /** After a call returned 0 for a non-zero pointer: throw unless it merely ran out of memory. */
  const throwIfRefused = (fn: string, ptr: number): void => {
    const code = core.heap_last_error();
    if (code !== CoreError.OUT_OF_MEMORY && code !== CoreError.OK) throw refusal(core, fn, code, ptr);
  };

  const malloc = (size: number): number => {
    if (typeof size !== "number" || (size >>> 0) !== size) {
      if (life.disposed) throw disposedError("malloc");
      return oversizeOrThrow("malloc", "size", size);
    }
    return rawMalloc(size) >>> 0;
  };

  const free = (ptr: number): void => {
    if (typeof ptr !== "number" || (ptr >>> 0) !== ptr) {
      if (life.disposed) throw disposedError("free");
      badPointer("free", ptr);
    }
    const rc = rawFree(ptr);
    if (rc !== 0) throw refusal(core, "free", rc, ptr);
  };

  const heap: Heap = {
    memory,
    policy: options.policy,
    coalesce: options.coalesce,
    malloc,
    free,

    calloc(count: number, size: number): number {
      if (life.disposed) throw disposedError("calloc");
      if (typeof count !== "number" || (count >>> 0) !== count) return oversizeOrThrow("calloc", "count", count);
      if (typeof size !== "number" || (size >>> 0) !== size) return oversizeOrThrow("calloc", "size", size);
      return rawCalloc(count, size) >>> 0;
    },

    realloc(ptr: number, size: number): number {
      if (life.disposed) throw disposedError("realloc");
      if (typeof ptr !== "number" || (ptr >>> 0) !== ptr) badPointer("realloc", ptr);
      if (typeof size !== "number" || (size >>> 0) !== size) {
        oversizeOrThrow("realloc", "size", size);
        if (ptr !== 0 && rawUsable(ptr) === 0) throwIfRefused("realloc", ptr);
        return 0;                           // too large: the old block stays as it was
      }
      const q = rawRealloc(ptr, size) >>> 0;
      if (q === 0 && ptr !== 0) throwIfRefused("realloc", ptr);
      return q;
    },

    alignedAlloc(alignment: number, size: number): number {
      if (life.disposed) throw disposedError("alignedAlloc");
      if (typeof alignment !== "number" || (alignment >>> 0) !== alignment || alignment === 0 ||
          (alignment & (alignment - 1)) !== 0) {
        if (typeof alignment !== "number") {
          throw new TypeError(`alignedAlloc: alignment must be a number, got ${describe(alignment)}`);
        }
        throw new RangeError(`alignedAlloc: alignment must be a power of two from 1 to 2^31, got ${describe(alignment)}`);
      }
      if (typeof size !== "number" || (size >>> 0) !== size) return oversizeOrThrow("alignedAlloc", "size", size);
      return rawAligned(alignment, size) >>> 0;
    },

    usableSize(ptr: number): number {
      if (life.disposed) throw disposedError("usableSize");
      if (typeof ptr !== "number" || (ptr >>> 0) !== ptr) badPointer("usableSize", ptr);
      const n = rawUsable(ptr) >>> 0;
      if (n === 0 && ptr !== 0) throwIfRefused("usableSize", ptr);
      return n;
    },

    stats(): HeapStats {
      if (life.disposed) throw disposedError("stats");
      return readStats(core.heap_stat);
    },

    check(): HeapViolation | null {
      if (life.disposed) throw disposedError("check");
      const invariant = core.heap_check();
      if (invariant === 0) return null;
      const address = core.heap_check_address() >>> 0;
      if (invariant === 15 || invariant === 16) {
        const code = invariant === 15 ? "heap-overflow" : "use-after-free";
        const message = `${findingMessage(code, address, core.heap_error_info(1) >>> 0, core.heap_error_info(2) | 0)} (I${invariant})`;
        return { code, invariant, address, message };
      }
      return {
        code: "heap-corrupt",
        invariant,
        address,
        message: `heap corrupt at ${hex(address)}: ${INVARIANTS[invariant] ?? `invariant ${invariant}`} does not hold`,
      };
    },

    fixedPool(size: number): FixedPool {
      if (life.disposed) throw disposedError("fixedPool");
      return makeFixedPool(core, size, life);
    },
    arena(): Arena {
      if (life.disposed) throw disposedError("arena");
      return makeArena(core, life);
    },

    blocks(): HeapBlock[] {
      if (life.disposed) throw disposedError("blocks");
      const out: HeapBlock[] = [];
      const dv = new DataView(memory.buffer);
      for (let b = core.heap_walk(0) >>> 0; b !== 0; b = core.heap_walk(b) >>> 0) {
        out.push({ address: b, size: dv.getUint32(b, true) & ~7, kind: BLOCK_KINDS[core.heap_block_kind(b)] });
      }
      return out;
    },

    allocArray<C extends TypedArrayConstructor>(ctor: C, length: number): HeapArray<InstanceType<C>> {
      if (life.disposed) throw disposedError("allocArray");
      const bytesPer = (ctor as { BYTES_PER_ELEMENT?: unknown } | null)?.BYTES_PER_ELEMENT;
      if (typeof ctor !== "function" || typeof bytesPer !== "number") {
        throw new TypeError(`allocArray: ctor must be a TypedArray constructor such as Float64Array, got ${describe(ctor)}`);
      }
      integerIn("allocArray", "length", length, 0, Infinity);   // too long to place: out of memory below
      const bytes = length * bytesPer;
      const ptr = bytes < U32_LIMIT ? malloc(bytes) : 0;
      if (ptr === 0) {
        throw new HeapError("out-of-memory", `allocArray: no room for ${length} × ${ctor.name} (${bytes} bytes)`);
      }
      return new HeapArrayHandle<InstanceType<C>>(ctor, memory, ptr, length, free);
    },

    dispose,
    [Symbol.dispose]: dispose,
  };
  return heap;
}

/** The debug prefix: bytes from the core payload to the user pointer (assembly/debug.ts, PREFIX). */
export const DEBUG_PREFIX = 48;
/** The statistic that counts the debug heap's allocations: mark() reads it. */
const ALLOCATIONS_STAT = STAT_FIELDS.indexOf("allocations");
/** Bytes from a debug block's header to its user pointer: the header and the debug prefix. */
const DEBUG_OFFSET = 4 + DEBUG_PREFIX;

/**
 * The debug heap's extras over the same methods: labels and stacks kept per sequence number,
 * and leak reports from a walk of the live blocks.
 */
function wrapDebug(core: CoreExports, options: ResolvedOptions): DebugHeap {
  const life: Life = { disposed: false };
  const base = wrapCore(core, options, life);
  const notes = new Map<number, { label?: string; stack?: string }>();
  const words = (): DataView => new DataView(core.memory.buffer);
  /** The sequence number in the prefix of the block at `ptr`, or -1 if ptr cannot be one. */
  const seqOf = (ptr: number): number =>
    typeof ptr === "number" && ptr >= DEBUG_OFFSET && ptr <= core.memory.buffer.byteLength - 8 && ptr % 8 === 0
      ? words().getUint32(ptr - DEBUG_PREFIX + 4, true) : -1;
  /** Remembers a label or stack for the block at `ptr`, just allocated. */
  /** Checks a label before anything is allocated, so that a bad one costs nothing. */
  const labelled = (fn: string, label: unknown): void => {
    if (label !== undefined && typeof label !== "string") {
      throw new TypeError(`${fn}: label must be a string, got ${describe(label)}`);
    }
  };
  const note = (ptr: number, label: string | undefined, carried?: { label?: string; stack?: string }): number => {
    if (ptr === 0) return 0;
    const stack = options.captureStacks ? new Error().stack?.split("\n").slice(2).join("\n") : carried?.stack;
    const text = label ?? carried?.label;
    if (text !== undefined || stack !== undefined) notes.set(seqOf(ptr), { label: text, stack });
    return ptr;
  };
  const forget = (ptr: number): { label?: string; stack?: string } | undefined => {
    if (notes.size === 0 || ptr === 0) return undefined;
    const seq = seqOf(ptr);
    const old = notes.get(seq);
    notes.delete(seq);
    return old;
  };
  const walk = (after: number): LeakEntry[] => {
    const out: LeakEntry[] = [];
    for (let b = core.heap_debug_next(0) >>> 0; b !== 0; b = core.heap_debug_next(b) >>> 0) {
      const dv = words();
      const seq = dv.getUint32(b + 8, true);
      if (seq <= after) continue;
      const entry: LeakEntry = { ptr: b + DEBUG_OFFSET, size: dv.getUint32(b + 4, true), seq };
      const n = notes.get(seq);
      if (n?.label !== undefined) entry.label = n.label;
      if (n?.stack !== undefined) entry.stack = n.stack;
      out.push(entry);
    }
    return out;
  };
  const heap: DebugHeap = {
    ...base,
    malloc: (size: number, label?: string) => (labelled("malloc", label), note(base.malloc(size), label)),
    calloc: (count: number, size: number, label?: string) => (labelled("calloc", label), note(base.calloc(count, size), label)),
    alignedAlloc: (alignment: number, size: number, label?: string) =>
      (labelled("alignedAlloc", label), note(base.alignedAlloc(alignment, size), label)),
    realloc(ptr: number, size: number, label?: string): number {
      labelled("realloc", label);
      const carried = notes.size !== 0 && ptr !== 0 ? notes.get(seqOf(ptr)) : undefined;
      const q = base.realloc(ptr, size);
      if (q !== 0 && ptr !== 0) forget(ptr);
      return note(q, label, carried);
    },
    free(ptr: number): void {
      const seq = notes.size !== 0 ? seqOf(ptr) : -1;
      base.free(ptr);
      if (seq >= 0) notes.delete(seq);
    },
    allocArray<C extends TypedArrayConstructor>(ctor: C, length: number): HeapArray<InstanceType<C>> {
      // The core's block, recorded like malloc's (its stack with captureStacks), and freed through
      // this heap's free, which forgets the record.
      const { ptr } = base.allocArray(ctor, length);
      note(ptr, undefined);
      return new HeapArrayHandle<InstanceType<C>>(ctor, core.memory, ptr, length, (p) => heap.free(p));
    },
    leaks(): LeakEntry[] {
      if (life.disposed) throw disposedError("leaks");
      return walk(0);
    },
    mark(): number {
      if (life.disposed) throw disposedError("mark");
      return core.heap_stat(ALLOCATIONS_STAT);
    },
    leaksSince(mark: number): LeakEntry[] {
      if (life.disposed) throw disposedError("leaksSince");
      integerIn("leaksSince", "mark", mark, 0, Infinity);
      return walk(mark);
    },
  };
  return heap;
}
