// One allocator's replays from JS for bench/real.mjs, in a worker of its own. Each worker is a
// V8 isolate of its own, so replay()'s calls of malloc, free and realloc see one allocator, as
// they do in a program that uses one. In a single isolate the one replay loop shared by five
// allocators is megamorphic, and it measured V8's lookups more than the allocators (RESULTS.md).
import { parentPort, workerData } from "node:worker_threads";
import { replay } from "../dist/tools/replay.js";
import { makeAllocator } from "./peers.mjs";

const { allocator, traces } = workerData;
const collect = globalThis.gc ?? (() => {});

parentPort.on("message", async ({ key }) => {
  const a = await makeAllocator(allocator);
  collect();
  const t0 = performance.now();
  replay(a, traces[key]);
  parentPort.postMessage(performance.now() - t0);
});
