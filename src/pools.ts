// The JS side of the pools in assembly/pool/: typed wrappers that turn the core's codes into
// HeapErrors and keep a disposed pool (or a pool of a disposed heap) from being used.

import type { Arena, ArenaStats, FixedPool, FixedPoolStats } from "./api.js";
import { integerIn } from "./args.js";
import { CoreError, HeapError, describe, hex } from "./errors.js";
import type { CoreExports } from "./loader.js";

/** Whether the Heap object that made a pool was disposed (heap.ts). */
export interface Life { disposed: boolean }

const POOL_STATS = ["objectSize", "slotSize", "live", "chunks", "capacity", "allocs", "frees", "reservedBytes"] as const;
const ARENA_STATS = ["usedBytes", "chunks", "reservedBytes", "resets"] as const;

/**
 * The life of a pool or an arena (`kind`): alive(fn) throws HeapError "disposed" once it or its
 * heap was disposed; dispose() runs `release` once, unless its heap went first (taking it along).
 */
function lifetime(kind: string, h: number, heap: Life, release: () => void): { alive(fn: string): void; dispose(): void } {
  let live = true;
  return {
    alive(fn: string): void {
      if (!live || heap.disposed) throw new HeapError("disposed", `${kind}.${fn}(): the ${live ? "heap" : kind} was disposed`, h);
    },
    dispose(): void {
      if (live && !heap.disposed) release();
      live = false;
    },
  };
}

/** A pool of objects of `size` bytes on `core`'s heap. */
export function makeFixedPool(core: CoreExports, size: number, heap: Life): FixedPool {
  integerIn("fixedPool", "size", size, 1, 0x1000_0000);
  const h = core.pool_create(size) >>> 0;
  if (h === 0) throw new HeapError("out-of-memory", `fixedPool(${size}): no room for the pool's descriptor`);
  const { alive, dispose } = lifetime("pool", h, heap, () => core.pool_destroy(h));
  return {
    alloc(): number {
      alive("alloc");
      return core.pool_alloc(h) >>> 0;
    },
    free(ptr: number): void {
      alive("free");
      if (typeof ptr !== "number") throw new TypeError(`pool.free: ptr must be a number, got ${describe(ptr)}`);
      if ((ptr >>> 0) !== ptr || ptr === 0) {
        throw new HeapError("invalid-pointer", `pool.free(${describe(ptr)}): not an object of this pool`, ptr);
      }
      const rc = core.pool_free(h, ptr);
      if (rc === CoreError.DOUBLE_FREE) {
        throw new HeapError("double-free", `pool.free(${hex(ptr)}): this object is already back in the pool`, ptr);
      }
      if (rc !== 0) throw new HeapError("invalid-pointer", `pool.free(${hex(ptr)}): not an object of this ${size}-byte pool`, ptr);
    },
    stats(): FixedPoolStats {
      alive("stats");
      const out = {} as Record<(typeof POOL_STATS)[number], number>;
      POOL_STATS.forEach((k, i) => { out[k] = core.pool_stat(h, i); });
      return out;
    },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/** An arena on `core`'s heap. */
export function makeArena(core: CoreExports, heap: Life): Arena {
  const h = core.arena_create() >>> 0;
  if (h === 0) throw new HeapError("out-of-memory", "arena(): no room for the arena's descriptor");
  const { alive, dispose } = lifetime("arena", h, heap, () => core.arena_release(h));
  return {
    alloc(size: number): number {
      alive("alloc");
      if (typeof size !== "number" || (size >>> 0) !== size) {
        integerIn("arena.alloc", "size", size, 0, Infinity);
        return 0;                           // 2^32 or more: cannot be met
      }
      return core.arena_alloc(h, size) >>> 0;
    },
    reset(): void {
      alive("reset");
      core.arena_reset(h);
    },
    dispose,
    [Symbol.dispose]: dispose,
    stats(): ArenaStats {
      alive("stats");
      const out = {} as Record<(typeof ARENA_STATS)[number], number>;
      ARENA_STATS.forEach((k, i) => { out[k] = core.arena_stat(h, i); });
      return out;
    },
  };
}
