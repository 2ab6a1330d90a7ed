// One allocator's measurements for `wasmalloc replay` and `wasmalloc compare`, in a worker of its
// own (cli.ts, measureAll). A worker is a V8 isolate of its own, so the replay loop's calls of
// malloc, free and realloc see one allocator, as they do in a program that uses one. Run in one
// isolate, the loop shared by every allocator turned megamorphic and timed V8's lookups more
// than the allocators (bench/RESULTS.md). Posts one message per trace, in order.

import { parentPort, workerData } from "node:worker_threads";
import { measure } from "./measure.js";
import { makeAllocator } from "./peers.js";
import type { Trace } from "./trace.js";

/** What measureAll sends: the allocator's name, where the C peers are, and the traces. */
export interface MeasureJob {
  name: string;
  peersDir?: string;
  traces: Trace[];
}

const job = workerData as MeasureJob;
for (const trace of job.traces) {
  parentPort!.postMessage(await measure(() => makeAllocator(job.name, { peersDir: job.peersDir }), trace));
}
