// createHeap: a heap on its own instance of the core, behind argument checks that cost one
// comparison on the fast path.

import type {
  Coalesce, Heap, HeapArray, HeapOptions, HeapStats, HeapViolation, Policy, TypedArrayConstructor,
} from "./api.js";
import { U32_LIMIT, badPointer, integerIn, oversizeOrThrow } from "./args.js";
import { CoreError, HeapError, describe, hex, pointerError } from "./errors.js";
import { INVARIANTS } from "./invariants.js";
import { type CoreExports, instantiateCore } from "./loader.js";
import { readStats } from "./stats.js";
import { HeapArrayHandle } from "./views.js";

/** The core's numbers for each policy (assembly/common.ts, Policy). */
const POLICIES: Readonly<Record<Policy, number>> = { "first-fit": 0, "next-fit": 1, "best-fit": 2 };
/** The core's numbers for each coalescing mode (assembly/common.ts, Coalesce). */
const COALESCING: Readonly<Record<Coalesce, number>> = { immediate: 0, deferred: 1 };
/** The options createHeap knows. */
const OPTION_KEYS = new Set(["policy", "coalesce", "initialPages", "maximumPages"]);
/** The wasm32 ceiling in pages. */
export const MAX_PAGES = 65536;

/** Options with every default filled in. */
interface ResolvedOptions {
  policy: Policy;
  coalesce: Coalesce;
  initialPages: number;
  maximumPages: number;
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
  const policy = options.policy ?? "first-fit";
  if (!Object.hasOwn(POLICIES, policy)) {
    throw new RangeError(`createHeap: policy must be one of ${Object.keys(POLICIES).join(", ")}; got ${describe(policy)}`);
  }
  const coalesce = options.coalesce ?? "immediate";
  if (!Object.hasOwn(COALESCING, coalesce)) {
    throw new RangeError(`createHeap: coalesce must be one of ${Object.keys(COALESCING).join(", ")}; got ${describe(coalesce)}`);
  }
  const maximumPages = integerIn("createHeap", "maximumPages", options.maximumPages ?? MAX_PAGES, 1, MAX_PAGES);
  const initialPages = integerIn("createHeap", "initialPages", options.initialPages ?? 1, 0, maximumPages);
  return { policy, coalesce, initialPages, maximumPages };
}

/**
 * A fresh heap on its own WebAssembly instance and memory.
 *
 * Throws TypeError or RangeError for bad options, and HeapError "out-of-memory" when memory
 * cannot grow to `initialPages`.
 */
export async function createHeap(options?: HeapOptions): Promise<Heap> {
  const resolved = resolveOptions(options);
  const core = await instantiateCore();
  const rc = core.heap_configure(
    POLICIES[resolved.policy], COALESCING[resolved.coalesce], resolved.initialPages, resolved.maximumPages,
  );
  if (rc !== CoreError.OK) {
    throw rc === CoreError.OUT_OF_MEMORY
      ? new HeapError("out-of-memory", `createHeap: cannot grow memory to ${resolved.initialPages} pages within ${resolved.maximumPages}`)
      : new HeapError("bad-config", `createHeap: the core refused the configuration (code ${rc})`);
  }
  return wrapCore(core, resolved);
}

/** The Heap methods over one core instance. */
function wrapCore(core: CoreExports, options: ResolvedOptions): Heap {
  const rawMalloc = core.malloc;
  const rawFree = core.free;
  const rawCalloc = core.calloc;
  const rawRealloc = core.realloc;
  const rawAligned = core.alignedAlloc;
  const rawUsable = core.usableSize;
  const memory = core.memory;

  /** After a call returned 0 for a non-zero pointer: throw if the pointer was refused. */
  const throwIfRefused = (fn: string, ptr: number): void => {
    const code = core.heap_last_error();
    if (code === CoreError.DOUBLE_FREE || code === CoreError.INVALID_POINTER) throw pointerError(fn, code, ptr);
  };

  const malloc = (size: number): number => {
    if (typeof size !== "number" || (size >>> 0) !== size) return oversizeOrThrow("malloc", "size", size);
    return rawMalloc(size) >>> 0;
  };

  const free = (ptr: number): void => {
    if (typeof ptr !== "number" || (ptr >>> 0) !== ptr) badPointer("free", ptr);
    const rc = rawFree(ptr);
    if (rc !== 0) throw pointerError("free", rc, ptr);
  };

  const heap: Heap = {
    memory,
    policy: options.policy,
    coalesce: options.coalesce,
    malloc,
    free,

    calloc(count: number, size: number): number {
      if (typeof count !== "number" || (count >>> 0) !== count) return oversizeOrThrow("calloc", "count", count);
      if (typeof size !== "number" || (size >>> 0) !== size) return oversizeOrThrow("calloc", "size", size);
      return rawCalloc(count, size) >>> 0;
    },

    realloc(ptr: number, size: number): number {
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
      if (typeof ptr !== "number" || (ptr >>> 0) !== ptr) badPointer("usableSize", ptr);
      const n = rawUsable(ptr) >>> 0;
      if (n === 0 && ptr !== 0) throwIfRefused("usableSize", ptr);
      return n;
    },

    stats(): HeapStats {
      return readStats(core.heap_stat);
    },

    check(): HeapViolation | null {
      const invariant = core.heap_check();
      if (invariant === 0) return null;
      const address = core.heap_check_address() >>> 0;
      return {
        code: "heap-corrupt",
        invariant,
        address,
        message: `heap corrupt at ${hex(address)}: ${INVARIANTS[invariant] ?? `invariant ${invariant}`} does not hold`,
      };
    },

    allocArray<C extends TypedArrayConstructor>(ctor: C, length: number): HeapArray<InstanceType<C>> {
      const bytesPer = (ctor as { BYTES_PER_ELEMENT?: unknown } | null)?.BYTES_PER_ELEMENT;
      if (typeof ctor !== "function" || typeof bytesPer !== "number") {
        throw new TypeError(`allocArray: ctor must be a TypedArray constructor such as Float64Array, got ${describe(ctor)}`);
      }
      integerIn("allocArray", "length", length, 0, Number.MAX_SAFE_INTEGER);
      const bytes = length * bytesPer;
      const ptr = bytes < U32_LIMIT ? malloc(bytes) : 0;
      if (ptr === 0) {
        throw new HeapError("out-of-memory", `allocArray: no room for ${length} × ${ctor.name} (${bytes} bytes)`);
      }
      return new HeapArrayHandle<InstanceType<C>>(ctor, memory, ptr, length, free);
    },
  };
  return heap;
}
