// wasmalloc: a boundary-tag malloc/free on WebAssembly linear memory. This entry loads the library
// alone; the tools (traces, replays, generators, heap pictures) are in "wasmalloc/tools".
export { attachHeap, createHeap } from "./heap.js";
export { linkProgram } from "./program.js";
export type { LinkedProgram, ProgramOptions } from "./program.js";
export { HeapError } from "./errors.js";
/** The raw exports of the `.wasm` subpaths ("wasmalloc/wasm" and the others), for code that instantiates them itself. */
export type { CoreExports } from "./loader.js";
export type { HeapErrorCode } from "./errors.js";
export { INVARIANTS } from "./invariants.js";
export { STAT_FIELDS } from "./stats.js";
export { createJsPool } from "./jspool.js";
export type { JsPool, JsPoolOptions } from "./jspool.js";
export type {
  Allocator, Arena, ArenaStats, Coalesce, DebugHeap, FixedPool, FixedPoolStats, Heap, HeapArray, HeapBlock, HeapOptions, HeapStats, HeapViolation, LeakEntry, Policy, SharedHeap, SharedHeapHandle, TypedArrayConstructor,
} from "./api.js";
