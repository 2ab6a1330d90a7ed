// A trace laid out for a replay inside wasm, in the peers' convention (../shared/peers): `count`
// triples of i32 (0 malloc, 1 free, 2 realloc; id; size) and one pointer slot per id, both in
// memory from the module's own `alloc` export; also the traces' one loader, the modules' one
// instance helper and timed replay, and the warning for a node started without --no-liftoff. Used
// by bench/real.mjs, churn.mjs, ab.mjs, free-lines.mjs, wasm-ops.mjs and instructions.mjs.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { OP_ALLOC, OP_FREE, parseTrace } from "../dist/tools/trace.js";

const KIND = { [OP_ALLOC]: 0, [OP_FREE]: 1 };
/** Bytes of one record (three i32), and the kind a free has in it. */
export const RECORD_BYTES = 12;
export const KIND_FREE = 1;

const shared = new URL("../../shared/traces/", import.meta.url);
/** The Malloc Lab suite as the benchmarks use it: the eleven balanced traces (-bal). */
export const MALLOCLAB = ["amptjp", "cccp", "cp-decl", "expr", "coalescing", "random", "random2", "binary", "binary2", "realloc", "realloc2"];
/** ../shared/traces/real/<name>.rep.gz, parsed. */
export function realTrace(name) {
  return parseTrace(gunzipSync(readFileSync(new URL(`real/${name}.rep.gz`, shared))).toString("utf8"));
}
/** A fresh instance of an inside-wasm replay module (its only import is AssemblyScript's abort). */
export function inwasmInstance(module, name = "the module") {
  return new WebAssembly.Instance(module, { env: { abort() { throw new Error(`${name}: abort`); } } });
}
/**
 * Warns, once, when node was not started with --no-liftoff: a replay inside wasm is one call of a
 * long loop, and without the flag a module may run V8's baseline code (Liftoff) for a whole
 * process, 1.4-2x slower, most likely because its tier-up to optimised code never gets its turn
 * (the npm scripts pass the flag; bench/RESULTS.md, 2026-11-30).
 */
export function warnUnlessOptimised(script) {
  if (!process.execArgv.includes("--no-liftoff")) {
    console.error(`${script}: node was started without --no-liftoff, so a module's replay may run V8's baseline code throughout (use the npm script, or pass the flag)`);
  }
}
/**
 * One replay of `trace` in a fresh instance of `module` (a collection first, when node has
 * --expose-gc, so that none falls inside the timing): milliseconds.
 */
export function timeReplay(module, trace, name = "the module") {
  const { exports } = inwasmInstance(module, name);
  const args = writeTrace(exports, trace, name);
  globalThis.gc?.();
  const t0 = performance.now();
  exports.replay(...args);
  return performance.now() - t0;
}
/** The Malloc Lab suite's traces, parsed, with their names. */
export function malloclabTraces() {
  return MALLOCLAB.map((n) => ({ name: `${n}-bal`, trace: parseTrace(readFileSync(new URL(`malloclab/${n}-bal.rep`, shared), "utf8")) }));
}

/** Each trace's triples, made once, so that every replay copies the same words in one call. */
const laidOut = new WeakMap();

/** Writes `trace` into the memory of an instance with `alloc`; returns replay()'s arguments. */
export function writeTrace(exports, trace, name = "the module") {
  const n = trace.kinds.length;
  let words = laidOut.get(trace);
  if (!words) {
    words = new Uint32Array(n * 3);
    for (let i = 0; i < n; i++) {
      words[3 * i] = KIND[trace.kinds[i]] ?? 2;
      words[3 * i + 1] = trace.ids[i];
      words[3 * i + 2] = trace.sizes[i];
    }
    laidOut.set(trace, words);
  }
  const ops = exports.alloc(n * RECORD_BYTES) >>> 0;
  const ptrs = exports.alloc(trace.numIds * 4) >>> 0;
  if (ops === 0 || ptrs === 0) throw new Error(`${name}: no room for the trace`);
  new Uint32Array(exports.memory.buffer, ops, n * 3).set(words);
  new Uint32Array(exports.memory.buffer, ptrs, trace.numIds).fill(0);
  return [ops, n, ptrs];
}
