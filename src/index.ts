// wasmalloc: a boundary-tag malloc/free on WebAssembly linear memory.
export { createHeap } from "./heap.js";
export { HeapError } from "./errors.js";
export type { HeapErrorCode } from "./errors.js";
export { INVARIANTS } from "./invariants.js";
export { STAT_FIELDS } from "./stats.js";
export type {
  Allocator, Coalesce, DebugHeap, Heap, HeapArray, HeapBlock, HeapOptions, HeapStats, HeapViolation, LeakEntry, Policy, TypedArrayConstructor,
} from "./api.js";
