// wasmalloc/tools: what the CLI, the demo and the benchmarks are made of, for your own comparisons:
// Malloc Lab traces (parse, write, record from a heap, replay on any Allocator), workload
// generators, and the heap's pictures (a map of its blocks, a line chart). No node: module is
// imported, so it loads in a browser as well. The peers' adapters (node:fs) are not here: see the CLI.
export { renderHeapMap, layoutBlocks, MAP_COLORS } from "./map.js";
export type { MapOptions } from "./map.js";
export { renderPlot } from "./plot.js";
export { parseTrace, formatTrace, TraceError, OP_ALLOC, OP_REALLOC, OP_FREE } from "./trace.js";
export type { Trace } from "./trace.js";
export { replay } from "./replay.js";
export type { ReplayOptions, ReplayResult } from "./replay.js";
export { recordHeap } from "./record.js";
export type { Recorder } from "./record.js";
export {
  WORKLOADS, alternating, coalescing, producerConsumer, randomSizes, seededRandom, smallObjects, vectorGrowth,
} from "./generators.js";
