// AssemblyScript programs on wasmalloc's runtime against AssemblyScript's own (TLSF), both with
// the incremental collector: bench/as/workloads.ts built twice with asc -O3, each workload run in
// a fresh instance, interleaved, median of --runs (default 7). Reports time and peak memory (the
// memory's size at the end: wasm memory never shrinks) and the ratios within each run.
//
//   npm run bench:as
//   npm run bench:as -- --runs 11

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1] ?? 7) || 7;
const asc = join(root, "node_modules", "assemblyscript", "bin", "asc.js");
const dir = mkdtempSync(join(os.tmpdir(), "wasmalloc-bench-as-"));

/** The workloads built with `runtime`. */
function build(name, runtime) {
  const out = join(dir, `${name}.wasm`);
  execFileSync(process.execPath, [asc, "bench/as/workloads.ts", "--runtime", runtime, "-O3", "--noAssert", "-o", out], { cwd: root, stdio: "pipe" });
  return new WebAssembly.Module(readFileSync(out));
}
const modules = { tlsf: build("tlsf", "incremental"), wasmalloc: build("wasmalloc", "./runtime/incremental") };
rmSync(dir, { recursive: true, force: true });

const WORKLOADS = [["trees", 60], ["strings", 20000], ["maps", 200000]];

/** One run of `fn(arg)` in a fresh instance of `name`: ms and the memory's bytes at the end. */
function once(name, fn, arg) {
  const { exports } = new WebAssembly.Instance(modules[name], { env: { abort() { throw new Error(`${name}: abort`); }, seed: () => 1 } });
  const t0 = performance.now();
  const result = exports[fn](arg);
  return { ms: performance.now() - t0, bytes: exports.memory.buffer.byteLength, result };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log(`bench:as, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores, median of ${RUNS} runs`);
console.log("\n| workload | TLSF ms | wasmalloc ms | speed vs TLSF (median, range) | TLSF peak memory | wasmalloc peak memory |");
console.log("|---|---:|---:|---:|---:|---:|");
const missed = [];
for (const [fn, arg] of WORKLOADS) {
  for (const n of ["tlsf", "wasmalloc"]) once(n, fn, arg);   // warm-up
  const t = [], w = [], ratios = [];
  let tb = 0, wb = 0;
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 ? ["wasmalloc", "tlsf"] : ["tlsf", "wasmalloc"];
    const got = {};
    for (const n of order) got[n] = once(n, fn, arg);
    if (got.tlsf.result !== got.wasmalloc.result) throw new Error(`${fn}: the two builds disagree (${got.tlsf.result} and ${got.wasmalloc.result})`);
    t.push(got.tlsf.ms); w.push(got.wasmalloc.ms); ratios.push(got.tlsf.ms / got.wasmalloc.ms);
    tb = Math.max(tb, got.tlsf.bytes); wb = Math.max(wb, got.wasmalloc.bytes);
  }
  console.log(`| ${fn}(${arg}) | ${median(t).toFixed(1)} | ${median(w).toFixed(1)} | ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ${tb.toLocaleString("en-US")} B | ${wb.toLocaleString("en-US")} B |`);
  if (median(ratios) < 1) missed.push(`${fn}: speed ${median(ratios).toFixed(2)}× TLSF`);
  if (wb >= tb) missed.push(`${fn}: peak memory ${(wb / tb).toFixed(2)}× TLSF's`);
}
// The targets (issue 16): at least TLSF's speed, and less peak memory, on every workload.
console.log(missed.length === 0
  ? "\nTargets met: at least TLSF's speed and less peak memory on every workload."
  : `\nTargets not met (${missed.join("; ")}). Where the time and memory go: bench/RESULTS.md, "AssemblyScript programs on wasmalloc's runtime".`);
