// Which cache lines the frees of a trace's last part touch, inside wasm: a model, the same on any
// machine. For each module (the replay loop of bench:real's inside-wasm replays, or a peer's), it
// replays the trace up to `--from` (a fraction), then the rest one operation at a time, and counts
// the 64-byte lines of the two headers each free there reads (its own and its right neighbour's)
// that a least-recently-used cache of 128 KiB does not hold, and how many of those misses lie
// within two lines of the miss before, above it or below it: a stream the hardware's prefetchers
// can follow (bench/RESULTS.md). It models those two reads alone: a free that wasmalloc's cache of
// small blocks takes reads no neighbour, and the free lists' links are left out.
//
//   npm run bench:free-lines -- build/peers/inwasm-wasmalloc.wasm ../shared/peers/dlmalloc.wasm
//   npm run bench:free-lines -- --trace python-ast --from 0.8 build/peers/inwasm-wasmalloc.wasm
//
// Needs ../shared; the npm script builds first.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { KIND_FREE, RECORD_BYTES, inwasmInstance, realTrace, writeTrace } from "./inwasm-trace.mjs";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { trace: { type: "string", default: "jq-json" }, from: { type: "string", default: "0.5" } } });
const from = Number(values.from);
if (!(from >= 0 && from < 1)) throw new Error(`--from takes a fraction in [0, 1), got ${values.from}`);
if (positionals.length === 0) throw new Error("give one or more .wasm modules with alloc, replay and memory exports");
const trace = realTrace(values.trace);
const LINES = 2048;                         // 128 KiB of 64-byte lines
const WORDS = RECORD_BYTES >> 2;

for (const file of positionals) {
  const { exports } = inwasmInstance(new WebAssembly.Module(readFileSync(file)), file);
  const [ops, count, ptrs] = writeTrace(exports, trace, file);
  const start = Math.floor(count * from);
  exports.replay(ops, start, ptrs);
  const lru = new Map();
  let frees = 0, misses = 0, above = 0, below = 0, lastMiss = -1e9;
  const touch = (address) => {
    const line = address >>> 6;
    if (lru.delete(line)) { lru.set(line, 1); return; }
    misses++;
    const step = line - lastMiss;
    if (step >= 0 && step <= 2) above++;
    else if (step < 0 && step >= -2) below++;
    lastMiss = line;
    if (lru.size >= LINES) lru.delete(lru.keys().next().value);
    lru.set(line, 1);
  };
  for (let i = start; i < count; i++) {
    const words = new Uint32Array(exports.memory.buffer);
    const record = (ops >> 2) + WORDS * i;
    if (words[record] === KIND_FREE) {        // its header sits 4 bytes before the payload in all three allocators
      const block = words[(ptrs >> 2) + words[record + 1]] - 4;
      touch(block);
      touch(block + (words[block >> 2] & ~7));
      frees++;
    }
    exports.replay(ops + i * RECORD_BYTES, 1, ptrs);
  }
  console.log(`${file}: ${values.trace} from ${from}: ${frees} frees, ${(misses / frees).toFixed(2)} line misses a free, ` +
    `${((above + below) / misses).toFixed(2)} of them within two lines of the miss before (${(above / misses).toFixed(2)} above it, ${(below / misses).toFixed(2)} below)`);
}
