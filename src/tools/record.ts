// Recording a live heap's calls as a trace, to replay them later against another allocator or
// policy (`wasmalloc replay`) or to share them as a .rep file (formatTrace).

import type { Allocator } from "../api.js";
import { OP_ALLOC, OP_FREE, OP_REALLOC, type Trace } from "./trace.js";

/** An allocator that records its calls, and the trace recorded so far. */
export interface Recorder<A> {
  /** The allocator to use instead of the original: the same calls, recorded. */
  heap: A;
  /** The calls so far as a Trace (blocks still live stay live in it). */
  trace(): Trace;
}

/**
 * Wraps `heap` so that every successful malloc, calloc, realloc and free is recorded. Each block
 * gets a trace id when it is allocated; realloc keeps the id; calls that throw or return 0 are
 * not recorded, so the trace replays what really happened.
 */
export function recordHeap<A extends Allocator>(heap: A): Recorder<A> {
  const kinds: number[] = [];
  const ids: number[] = [];
  const sizes: number[] = [];
  const idOf = new Map<number, number>();
  let next = 0;
  const push = (kind: number, id: number, size: number): void => {
    kinds.push(kind);
    ids.push(id);
    sizes.push(size);
  };
  const born = (p: number, size: number): number => {
    if (p !== 0) {
      idOf.set(p, next);
      push(OP_ALLOC, next++, size);
    }
    return p;
  };
  const wrapped = Object.create(heap) as A;
  Object.assign(wrapped, {
    malloc: (size: number) => born(heap.malloc(size), size),
    calloc: (count: number, size: number) => born(heap.calloc(count, size), count * size),
    realloc(p: number, size: number): number {
      const q = heap.realloc(p, size);
      if (q === 0) return 0;
      if (p === 0) {
        idOf.set(q, next);
        push(OP_ALLOC, next++, size);
      } else {
        const id = idOf.get(p);
        if (id !== undefined) {
          idOf.delete(p);
          idOf.set(q, id);
          push(OP_REALLOC, id, size);
        }
      }
      return q;
    },
    free(p: number): void {
      heap.free(p);
      const id = idOf.get(p);
      if (id !== undefined) {
        idOf.delete(p);
        push(OP_FREE, id, 0);
      }
    },
  });
  return {
    heap: wrapped,
    trace: () => ({
      suggestedHeapSize: 0, numIds: next, weight: 1,
      kinds: Uint8Array.from(kinds), ids: Uint32Array.from(ids), sizes: Uint32Array.from(sizes),
    }),
  };
}
