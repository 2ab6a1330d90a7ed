// Two or more inside-wasm modules on the same stretch of a trace, as paired ratios: each run
// replays the stretch once with every module (the order rotating from run to run, a full
// collection before each), and takes the first module's time ÷ each module's within that run.
// It prints each module's median time and the median and quartiles of its ratios. Pairing within
// a run cancels the drift of a noisy machine that medians taken apart do not.
//
//   npm run bench:ab -- build/peers/inwasm-wasmalloc.wasm other.wasm --stretch jq-json:0.5:1
//   npm run bench:ab -- a.wasm b.wasm --stretch awk-gsub,python-ast:0.8:1,malloclab --runs 41
//
// A stretch is trace[:from[:to]], fractions of its operations (the operations before `from` are
// replayed untimed); `malloclab` is bench:real's Malloc Lab suite (the eleven -bal traces), and a
// name ending in .rep a trace file of your own (`--stretch /tmp/mine.rep:0.5:1`). Modules take
// bench:real's inside-wasm convention (alloc, replay, memory). One untimed run with each module
// comes first, so that the engine has optimised their code. Needs ../shared; the npm script
// builds first.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseTrace } from "../dist/tools/trace.js";
import { RECORD_BYTES, inwasmInstance, malloclabTraces, realTrace, warnUnlessOptimised, writeTrace } from "./inwasm-trace.mjs";

warnUnlessOptimised("bench:ab");

const { values, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { stretch: { type: "string", default: "jq-json:0.5:1" }, runs: { type: "string", default: "31" } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number of 1 or more, got ${values.runs}`);
if (files.length < 2) throw new Error("give two or more .wasm modules: the first is the one the others are compared with");
const mods = files.map((f) => new WebAssembly.Module(readFileSync(f)));
const quantile = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
const name = (f, k) => `${k + 1}:${f.split("/").pop().replace(/\.wasm$/, "")}`;   // numbered: two builds may share a file name

/** One timed replay of the stretch [from, to) of each trace with module k: milliseconds. */
function timed(k, traces, from, to) {
  let ms = 0;
  for (const t of traces) {
    globalThis.gc?.();
    const { exports } = inwasmInstance(mods[k], files[k]);
    const [ops, count, ptrs] = writeTrace(exports, t, files[k]);
    const a = Math.floor(count * from), b = Math.floor(count * to);
    exports.replay(ops, a, ptrs);
    const t0 = performance.now();
    exports.replay(ops + a * RECORD_BYTES, b - a, ptrs);
    ms += performance.now() - t0;
  }
  return ms;
}

for (const stretch of values.stretch.split(",")) {
  const [trace, fromText = "0", toText = "1"] = stretch.split(":");
  const from = Number(fromText), to = Number(toText);
  if (!(from >= 0 && from < to && to <= 1)) throw new Error(`${stretch}: from and to must satisfy 0 <= from < to <= 1`);
  const traces = trace === "malloclab" ? malloclabTraces().map((t) => t.trace)
    : trace.endsWith(".rep") ? [parseTrace(readFileSync(trace, "utf8"))] : [realTrace(trace)];
  for (let k = 0; k < mods.length; k++) timed(k, traces, from, to);   // the warm-up
  const times = mods.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < mods.length; i++) {
      const k = (i + r) % mods.length;
      times[k].push(timed(k, traces, from, to));
    }
  }
  const cells = files.map((f, k) => {
    const ratios = times[0].map((t0, r) => t0 / times[k][r]);
    return `${name(f, k)} ${quantile(times[k], 0.5).toFixed(2)} ms, ×${quantile(ratios, 0.5).toFixed(3)} [${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)}]`;
  });
  console.log(`${stretch} (${runs} runs): ${cells.join("; ")}`);
}
