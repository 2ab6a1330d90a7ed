// wasmalloc: a boundary-tag malloc/free on WebAssembly linear memory.
export { attachHeap, createHeap } from "./heap.js";
export { linkProgram } from "./program.js";
export type { LinkedProgram, ProgramOptions } from "./program.js";
export { HeapError } from "./errors.js";
/** The raw exports of the `.wasm` subpaths ("wasmalloc/wasm" and the others), for code that instantiates them itself. */
export type { CoreExports } from "./loader.js";
export type { HeapErrorCode } from "./errors.js";
export { INVARIANTS } from "./invariants.js";
export { STAT_FIELDS } from "./stats.js";
export { renderHeapMap, layoutBlocks, MAP_COLORS } from "./map.js";
export { renderPlot } from "./plot.js";
export { parseTrace, formatTrace, TraceError, OP_ALLOC, OP_REALLOC, OP_FREE } from "./trace.js";
export type { Trace } from "./trace.js";
export { replay } from "./replay.js";
export { recordHeap } from "./record.js";
export type { Recorder } from "./record.js";
export { createJsPool } from "./jspool.js";
export type { JsPool, JsPoolOptions } from "./jspool.js";
export type { ReplayOptions, ReplayResult } from "./replay.js";
export {
  WORKLOADS, alternating, coalescing, producerConsumer, randomSizes, seededRandom, smallObjects, vectorGrowth,
} from "./generators.js";
export type {
  Allocator, Arena, ArenaStats, Coalesce, DebugHeap, FixedPool, FixedPoolStats, Heap, HeapArray, HeapBlock, HeapOptions, HeapStats, HeapViolation, LeakEntry, Policy, SharedHeap, SharedHeapHandle, TypedArrayConstructor,
} from "./api.js";
