// Synthetic churn inside wasm: where each allocator is fast and where it is slow, on traces made
// to order rather than recorded. Each case keeps K blocks live: every step frees the block in a
// slot picked at random and mallocs a block of a random size (uniform in [lo, hi)) into it. The
// traces come from a fixed seed, so they are the same on every machine and every run.
//
//   npm run bench:churn                       every case, 7 runs of best-of-3
//   npm run bench:churn -- --runs 11 --steps 300000 --case 50:16:1000,30:100:3000
//
// They are a diagnostic, not a substitute for the recorded traces (npm run bench:real): real
// programs repeat sizes, which wasmalloc's cache of small blocks is made for, and a uniform
// spread of sizes is the hardest case for it. Every allocator runs the same replay loop inside
// wasm as in bench:real (wasmalloc through its AssemblyScript entry, TLSF, dlmalloc and emmalloc
// from ../shared/peers). Each run takes each allocator's best of --best replays (3), in an order
// that rotates from run to run, a full collection before each replay. The table gives each one's
// median time and, as bench:real does, the median of wasmalloc's speed ÷ the best peer's within
// each run (the best peer's time ÷ wasmalloc's: above 1, wasmalloc is faster). node --no-liftoff,
// as the npm script starts it: see bench/inwasm-trace.mjs, warnUnlessOptimised.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { OP_ALLOC, OP_FREE } from "../dist/tools/trace.js";
import { C_PEERS } from "./peers.mjs";
import { timeReplay, warnUnlessOptimised } from "./inwasm-trace.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    best: { type: "string", default: "3" },
    steps: { type: "string", default: "150000" },
    case: { type: "string", default: "20:16:200,50:16:1000,200:16:300,1000:16:128,30:100:3000" },
    seed: { type: "string", default: "1" },
  },
});
const RUNS = Number(values.runs);
const STEPS = Number(values.steps);
const SEED = Number(values.seed);
const BEST = Number(values.best);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs takes a whole number of 1 or more, got ${values.runs}`);
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error(`--steps takes a whole number of 1 or more, got ${values.steps}`);
if (!Number.isInteger(BEST) || BEST < 1) throw new Error(`--best takes a whole number of 1 or more, got ${values.best}`);
if (!Number.isInteger(SEED) || SEED < 0) throw new Error(`--seed takes a whole number of 0 or more, got ${values.seed}`);
const CASES = values.case.split(",").map((c) => {
  const [k, lo, hi] = c.split(":").map(Number);
  if (![k, lo, hi].every(Number.isInteger) || k < 1 || lo < 0 || hi <= lo) {
    throw new Error(`--case takes live:lo:hi (whole numbers, live at least 1, lo below hi), got ${c}`);
  }
  return { k, lo, hi };
});
if (!existsSync(C_PEERS.dlmalloc) || !existsSync(C_PEERS.emmalloc)) {
  console.log("bench:churn needs ../shared/peers (dlmalloc and emmalloc) beside the project");
  process.exit(0);
}
warnUnlessOptimised("bench:churn");

/** The trace of one case: `steps` steps over `k` live slots, sizes uniform in [lo, hi). */
function churn({ k, lo, hi }, steps, seed) {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;   // (a fixed LCG: the same trace everywhere)
  const kinds = [];
  const ids = [];
  const sizes = [];
  const slot = new Int32Array(k).fill(-1);
  let numIds = 0;
  for (let i = 0; i < steps; i++) {
    const j = Math.floor(next() * k);
    if (slot[j] >= 0) {
      kinds.push(OP_FREE);
      ids.push(slot[j]);
      sizes.push(0);
    }
    slot[j] = numIds++;
    kinds.push(OP_ALLOC);
    ids.push(slot[j]);
    sizes.push(lo + Math.floor(next() * (hi - lo)));
  }
  return { kinds, ids, sizes, numIds };
}

const files = {
  wasmalloc: new URL("../build/peers/inwasm-wasmalloc.wasm", import.meta.url),
  tlsf: new URL("../build/peers/inwasm-tlsf.wasm", import.meta.url),
  dlmalloc: C_PEERS.dlmalloc,
  emmalloc: C_PEERS.emmalloc,
};
const names = Object.keys(files);
const peers = names.filter((n) => n !== "wasmalloc");
const modules = {};
for (const n of names) modules[n] = new WebAssembly.Module(readFileSync(files[n]));
/** One replay of `trace` in a fresh instance of `name`: milliseconds. */
const time = (name, trace) => timeReplay(modules[name], trace, name);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log(`bench:churn, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${RUNS} runs of best-of-${BEST}, ${STEPS.toLocaleString("en-US")} steps, seed ${SEED}`);
console.log(`\n| live blocks, sizes | ops | ${names.join(" | ")} | wasmalloc ÷ best peer (median, range) |`);
console.log(`|---|---:|${names.map(() => "---:").join("|")}|---:|`);
for (const c of CASES) {
  const trace = churn(c, STEPS, SEED);
  for (const n of names) time(n, trace);   // (untimed: the engine's first replay of each)
  const t = Object.fromEntries(names.map((n) => [n, []]));
  const ratios = [];
  for (let r = 0; r < RUNS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    const run = {};
    for (const n of order) run[n] = Math.min(...Array.from({ length: BEST }, () => time(n, trace)));
    for (const n of names) t[n].push(run[n]);
    ratios.push(Math.min(...peers.map((p) => run[p])) / run.wasmalloc);
  }
  const fmt = (x) => x.toFixed(2);
  console.log(`| ${c.k}, ${c.lo}–${c.hi} B | ${trace.kinds.length.toLocaleString("en-US")} | ${names.map((n) => `${fmt(median(t[n]))} ms`).join(" | ")} | ${fmt(median(ratios))}× (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}) |`);
}
