// Real C programs (cfrac, espresso from ../shared/programs) on three allocators: wasmalloc's
// release build (c/wasmalloc.c, linkProgram), wasi-libc's dlmalloc (the program as clang builds
// it) and Emscripten's emmalloc (../shared/programs/prebuilt, linked in dlmalloc's place). Every
// program is run the same way: node:wasi, one fresh Node process per run, the time of
// wasi.start() alone, and the memory at the end (wasm memory never shrinks, so it is the peak).
//
//   npm run bench:programs                   5 runs of each, interleaved
//   npm run bench:programs -- --runs 3 --program cfrac
//
// Runs rotate through the allocators so that a slow spell of the machine hits all of them; the
// medians are printed, and the ratio of dlmalloc's time to each allocator's (above 1: faster).

import { existsSync } from "node:fs";
import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { CFRAC_ARG, CFRAC_OUTPUT, PROGRAMS, unavailable, wasmPath } from "../scripts/programs.mjs";

const run = promisify(execFile);
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const RUNS = Number(opt("runs", "5"));
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs takes a whole number of 1 or more, got ${opt("runs")}`);
const PICK = opt("program", "");

const why = await unavailable();
if (why) {
  console.log(`bench:programs: cannot build the programs: ${why}`);
  process.exit(0);
}

const ALLOCATORS = ["wasmalloc", "dlmalloc", "emmalloc"];
const PROGRAM_RUNS = {
  cfrac: { args: [CFRAC_ARG], ok: (out) => out.trim() === CFRAC_OUTPUT },
  espresso: { args: [`${PROGRAMS}/espresso/largest.espresso`], ok: () => true },
};
const script = fileURLToPath(new URL("../scripts/programs.mjs", import.meta.url));

/** One run in a fresh process: { ms, memoryBytes, ... }, or throws when the program failed. */
async function timed(name, allocator) {
  const { stdout } = await run(process.execPath, ["--no-warnings", script, "time", name, allocator, ...PROGRAM_RUNS[name].args],
    { maxBuffer: 1 << 26 });
  const r = JSON.parse(stdout);
  if (r.error || r.exitCode !== 0 || !PROGRAM_RUNS[name].ok(r.stdout) || (allocator === "wasmalloc" && r.check !== null)) {
    throw new Error(`${name} on ${allocator} failed: ${r.error ?? `exit ${r.exitCode}`}, check ${JSON.stringify(r.check)}`);
  }
  return r;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`bench:programs: ${RUNS} runs of each, Node ${process.version}, ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, ${new Date().toISOString().slice(0, 10)}`);
const names = Object.keys(PROGRAM_RUNS).filter((n) => !PICK || PICK.split(",").includes(n));
for (const name of names) {
  const present = ALLOCATORS.filter((a) => existsSync(wasmPath(name, a)));
  const times = Object.fromEntries(present.map((a) => [a, []]));
  const memory = {};
  const ratios = Object.fromEntries(present.map((a) => [a, []]));
  for (let r = 0; r < RUNS; r++) {
    const order = present.map((_, i) => present[(i + r) % present.length]);
    const ms = {};
    for (const a of order) {
      const res = await timed(name, a);
      ms[a] = res.ms;
      times[a].push(res.ms);
      memory[a] = res.memoryBytes;
    }
    for (const a of present) ratios[a].push(ms.dlmalloc / ms[a]);
  }
  console.log(`\n${name}`);
  console.log("| allocator | time (median) | speed vs dlmalloc (median of per-run ratios) | memory at the end |");
  console.log("|---|---:|---:|---:|");
  for (const a of present) {
    console.log(`| ${a} | ${(median(times[a]) / 1000).toFixed(2)} s | ${median(ratios[a]).toFixed(2)}× | ${memory[a].toLocaleString("en-US")} B |`);
  }
}
