// The real-program traces (../shared/traces/real) and the Malloc Lab suite, replayed inside wasm
// and from JS, against every peer: utilization, throughput, and the ratio to the best peer.
//
//   npm run bench:real                        5 runs, both suites, inside wasm and from JS
//   npm run bench:real -- --runs 9 --only inwasm --trace awk-gsub,python-lru
//   npm run bench:real -- --only util          (utilization alone)
//   npm run bench:real -- --only util --each   (and each Malloc Lab trace on a line of its own)
//   npm run bench:real -- --only inwasm --variant build/bench/inwasm-unchecked.wasm
//                         (adds a variant of the inside-wasm loop, not counted as a peer)
//
// Inside wasm, every allocator runs the same loop in one call: the peers' own `replay` export
// (dlmalloc, emmalloc) or the same loop compiled with the allocator (bench/inwasm/: wasmalloc
// through its AssemblyScript entry, TLSF). From JS, each operation is a call from the replay loop
// of src/tools/replay.ts: wasmalloc through its typed API (createHeap, default policy), the others
// through their raw exports (bench/peers.mjs). Each allocator replays from JS in a worker of its
// own (bench/real-js-worker.mjs), so that the loop's calls see one allocator, as in a program.
//
// Each run replays every trace with every allocator, in an order that rotates from run to run,
// and keeps each allocator's best of --best replays (3) of each trace; ratios are taken within a
// run, and the medians over runs are printed. Before every timed replay the garbage collector
// runs (node --expose-gc), so that no collection of an earlier instance's memory falls inside the
// timing, and npm run bench:real starts node --single-threaded, so that no concurrent marking or
// compiling thread takes the second core from the replay: both narrowed the spread of runs. It
// also starts node --no-liftoff, so that every module's code is V8's optimised code from the start:
// a replay inside wasm is one call of a long loop, and without the flag a module's replay could
// run V8's baseline code (Liftoff) in every replay of a whole process, 1.4-2x slower, most
// likely because its tier-up never got its turn (seen for wasmalloc's builds and emmalloc alike;
// bench/RESULTS.md, 2026-11-30).
//
// Utilization is measured once, from JS (placement does not depend on the caller): peak live
// payload ÷
//   span    the span of payload addresses handed out (the one measure taken alike for all),
//   extent  wasmalloc's own extent (brk - heapStart), and
//   memory  the memory above the first payload at the end (each module's static data and, for
//           wasmalloc, its state below the first block are left out).

import { existsSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { replay } from "../dist/tools/replay.js";
import { C_PEERS, makeAllocator } from "./peers.mjs";
import { MALLOCLAB, malloclabTraces, realTrace, timeReplay, warnUnlessOptimised } from "./inwasm-trace.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const RUNS = Number(opt("runs", "5"));
const ONLY = opt("only", "both");
const PICK = opt("trace", "");
const VARIANT = opt("variant", "");
const BEST = Number(opt("best", "3"));
const EACH = args.includes("--each");
const collect = globalThis.gc ?? (() => {});
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs takes a whole number of 1 or more, got ${opt("runs")}`);
if (!["both", "inwasm", "js", "util"].includes(ONLY)) throw new Error(`--only takes inwasm, js, util or both, got ${ONLY}`);

const shared = new URL("../../shared/", import.meta.url);
if (!existsSync(new URL("traces/real/", shared)) || !existsSync(C_PEERS.dlmalloc)) {
  console.log("bench:real needs ../shared (traces/real, traces/malloclab and peers/) beside the project");
  process.exit(0);
}

// ─── The traces ─────────────────────────────────────────────────────────────────────────────────
const realDir = new URL("traces/real/", shared);
const realNames = readdirSync(realDir).filter((f) => f.endsWith(".rep.gz")).map((f) => f.slice(0, -7)).sort();
/** Suites: each real trace alone, and the Malloc Lab suite as one (its times summed). */
let suites = [
  ...realNames.map((name) => ({ name, traces: [{ name, trace: realTrace(name) }] })),
  { name: `malloclab (${MALLOCLAB.length})`, traces: malloclabTraces() },
];
if (PICK) suites = suites.filter((s) => PICK.split(",").some((p) => s.name.startsWith(p)));

// ─── Inside wasm ────────────────────────────────────────────────────────────────────────────────
const wasmFiles = {
  wasmalloc: new URL("../build/peers/inwasm-wasmalloc.wasm", import.meta.url),
  tlsf: new URL("../build/peers/inwasm-tlsf.wasm", import.meta.url),
  dlmalloc: C_PEERS.dlmalloc,
  emmalloc: C_PEERS.emmalloc,
};
if (VARIANT) wasmFiles.variant = new URL(VARIANT, `file://${process.cwd()}/`);
const wasmModules = {};
for (const [name, file] of Object.entries(wasmFiles)) wasmModules[name] = await WebAssembly.compile(readFileSync(file));

/** One replay of `trace` inside a fresh instance of `name`'s module: milliseconds. */
async function inWasm(name, trace) {
  return timeReplay(wasmModules[name], trace, name);
}

// ─── From JS ────────────────────────────────────────────────────────────────────────────────────
const JS_ALLOCATORS = { wasmalloc: "wasmalloc:segregated", tlsf: "tlsf", dlmalloc: "dlmalloc", emmalloc: "emmalloc", "js-pool": "js-pool" };

/**
 * The timed replays from JS run in one worker per allocator (bench/real-js-worker.mjs), one at a
 * time, so that each allocator's replay loop is its own (monomorphic); the traces are copied to
 * each worker once. Keyed by suite and trace name.
 */
const jsWorkers = {};
function jsWorker(name) {
  if (!jsWorkers[name]) {
    const traces = Object.fromEntries(suites.flatMap((s) => s.traces.map((t) => [`${s.name}/${t.name}`, t.trace])));
    const worker = new Worker(new URL("./real-js-worker.mjs", import.meta.url), { workerData: { allocator: JS_ALLOCATORS[name], traces } });
    worker.unref();
    jsWorkers[name] = worker;
  }
  return jsWorkers[name];
}
/** One replay of the trace `key` from JS on a fresh `name`, in name's worker: milliseconds. */
function fromJsTimed(name, key) {
  const worker = jsWorker(name);
  return new Promise((resolve, reject) => {
    const done = (ms) => {
      worker.off("error", fail);
      resolve(ms);
    };
    const fail = (err) => {
      worker.off("message", done);
      reject(err);
    };
    worker.once("message", done);
    worker.once("error", fail);
    worker.postMessage({ key });
  });
}

/** One replay of `trace` from JS on a fresh `name`, in this thread: milliseconds, and what it measured (for utilization). */
async function fromJs(name, trace) {
  const a = await makeAllocator(JS_ALLOCATORS[name]);
  collect();
  const t0 = performance.now();
  const result = replay(a, trace);
  const ms = performance.now() - t0;
  return { ms, result, a };
}

// ─── Running ────────────────────────────────────────────────────────────────────────────────────
const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const mops = (ops, ms) => (ops / ms / 1000).toFixed(2);

const modes = ONLY === "both" ? ["inwasm", "js"] : ONLY === "util" ? [] : [ONLY];
if (modes.includes("inwasm")) warnUnlessOptimised("bench:real");
console.log(`bench:real, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores, ${RUNS} runs`);

for (const mode of modes) {
  const names = mode === "inwasm" ? Object.keys(wasmFiles) : Object.keys(JS_ALLOCATORS);
  const timeOne = mode === "inwasm" ? (n, s, t) => inWasm(n, t.trace) : (n, s, t) => fromJsTimed(n, `${s.name}/${t.name}`);
  // Warm-up: one pass over everything, not counted.
  for (const s of suites) for (const n of names) for (const t of s.traces) await timeOne(n, s, t);
  const times = Object.fromEntries(suites.map((s) => [s.name, Object.fromEntries(names.map((n) => [n, []]))]));
  for (let r = 0; r < RUNS; r++) {
    for (const s of suites) {
      for (const n of rotate(names, r)) {
        let ms = 0;
        for (const t of s.traces) {
          let best = Infinity;
          for (let k = 0; k < BEST; k++) best = Math.min(best, await timeOne(n, s, t));
          ms += best;
        }
        times[s.name][n].push(ms);
      }
    }
  }
  console.log(`\n## ${mode === "inwasm" ? "Inside wasm (one replay call per trace)" : "From JS (one call per operation)"}: millions of ops/s, median of ${RUNS}\n`);
  console.log(`| trace | ops | ${names.join(" | ")} | wasmalloc ÷ best peer (median, range) |`);
  console.log(`|---|---:|${names.map(() => "---:").join("|")}|---:|`);
  for (const s of suites) {
    const ops = s.traces.reduce((k, t) => k + t.trace.kinds.length, 0);
    const t = times[s.name];
    const peers = names.filter((n) => n !== "wasmalloc" && n !== "js-pool" && n !== "variant");
    const ratios = t.wasmalloc.map((w, r) => Math.min(...peers.map((p) => t[p][r])) / w);
    const best = peers.reduce((b, p) => (median(t[p]) < median(t[b]) ? p : b), peers[0]);
    console.log(`| ${s.name} | ${ops.toLocaleString("en-US")} | ${names.map((n) => mops(ops, median(t[n]))).join(" | ")} | ${fmt(median(ratios), 2)}× ${best} (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}) |`);
  }
}

// ─── Utilization ────────────────────────────────────────────────────────────────────────────────
const utilNames = Object.keys(JS_ALLOCATORS).filter((n) => n !== "js-pool");
console.log("\n## Utilization: peak live payload ÷ span | extent | memory above the first payload\n");
console.log(`| trace | ${utilNames.join(" | ")} | wasmalloc span − best peer span |`);
console.log(`|---|${utilNames.map(() => "---").join("|")}|---:|`);
const utilSuites = EACH ? suites.flatMap((s) => (s.traces.length > 1 ? [s, ...s.traces.map((t) => ({ name: t.name, traces: [t] }))] : [s])) : suites;
for (const s of utilSuites) {
  const per = {};
  for (const n of utilNames) {
    const u = { span: 0, extent: NaN, memory: 0 };
    for (const { trace } of s.traces) {
      const { result, a } = await fromJs(n, trace);
      const extent = a.extent();
      u.span += result.peakPayload / result.payloadSpan;
      if (extent !== undefined) u.extent = (Number.isNaN(u.extent) ? 0 : u.extent) + result.peakPayload / extent;
      u.memory += result.peakPayload / (a.memory.buffer.byteLength - result.lowestPayload);
    }
    const k = s.traces.length;
    per[n] = { span: u.span / k, extent: u.extent / k, memory: u.memory / k };
  }
  const bestPeer = Math.max(...utilNames.filter((n) => n !== "wasmalloc").map((n) => per[n].span));
  const cell = (u) => `${fmt(u.span)} \\| ${fmt(u.extent)} \\| ${fmt(u.memory)}`;
  console.log(`| ${s.name}${s.traces.length > 1 ? " (mean)" : ""} | ${utilNames.map((n) => cell(per[n])).join(" | ")} | ${(per.wasmalloc.span - bestPeer >= 0 ? "+" : "")}${fmt(per.wasmalloc.span - bestPeer)} |`);
}
