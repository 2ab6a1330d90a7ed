#!/usr/bin/env node
// The wasmalloc command. `wasmalloc demo` (what `npm start` runs) allocates, frees and prints
// where each policy places the same requests, with each heap's statistics.

import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WORKLOADS } from "./generators.js";
import type { Measurement } from "./measure.js";
import type { MeasureJob } from "./measure-worker.js";
import { PEERS, makeAllocator } from "./peers.js";
import type { Trace } from "./trace.js";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import type { Coalesce, Heap, HeapOptions, Policy } from "../api.js";
import { createHeap } from "../heap.js";
import { renderHeapMap } from "./map.js";
import { renderPlot } from "./plot.js";
import { replay } from "./replay.js";
import { parseTrace } from "./trace.js";

const POLICIES: Policy[] = ["first-fit", "next-fit", "best-fit"];   // the chapter's, for the demo
const ALL_POLICIES: Policy[] = ["first-fit", "next-fit", "best-fit", "segregated"];
const COALESCING: Coalesce[] = ["immediate", "deferred"];

/** The demo's script: a row of blocks, three holes of different sizes, then requests that fill them. */
async function scenario(policy: Policy, coalesce: Coalesce): Promise<{ heap: Heap; log: string[] }> {
  const heap = await createHeap({ policy, coalesce });
  const base = heap.stats().heapStart;
  const at = (p: number): string => `+${p - base}`;
  const log: string[] = [];
  const sizes = [100, 20, 60, 20, 40, 20, 200, 20];
  const ptrs = sizes.map((n) => heap.malloc(n));
  log.push(`malloc ${sizes.join(", ")} → ${ptrs.map(at).join(" ")}`);
  for (const i of [0, 2, 4]) heap.free(ptrs[i]);
  log.push(`free the 100, 60 and 40-byte blocks (holes of 104, 64 and 48 bytes)`);
  for (const n of [40, 60, 40]) log.push(`malloc ${n} → ${at(heap.malloc(n))}`);
  const violation = heap.check();
  if (violation) throw new Error(violation.message);
  return { heap, log };
}

async function demo(): Promise<void> {
  console.log("wasmalloc demo: the same requests under each policy (addresses relative to the heap's start)\n");
  const rows: string[][] = [];
  for (const policy of POLICIES) {
    for (const coalesce of COALESCING) {
      const { heap, log } = await scenario(policy, coalesce);
      console.log(`${policy}, ${coalesce} coalescing`);
      for (const line of log) console.log(`  ${line}`);
      const s = heap.stats();
      rows.push([policy, coalesce, `${s.extent}`, `${s.usedBytes}`, `${s.usedBlocks}`, `${s.freeBytes}`,
        `${s.freeBlocks}`, `${s.largestFree}`, `${s.memoryBytes}`, `${s.growCalls}`]);
    }
  }
  const head = ["policy", "coalesce", "extent", "used B", "used", "free B", "free", "largest", "memory B", "grows"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(`\n${line(head)}\n${line(widths.map((w) => "-".repeat(w)))}`);
  for (const r of rows) console.log(line(r));
}

const USAGE = `usage:
  wasmalloc demo
  wasmalloc compare [--peers-dir DIR]     (npm start: every allocator on the bundled workloads)
  wasmalloc replay <files or dirs> [--policy P|all] [--peers LIST|all] [--peers-dir DIR] [--json]
  wasmalloc map <trace.rep> [--at <op>] [-o heap.svg] [--policy P] [--coalesce C] [--debug]
  wasmalloc plot <trace.rep> [-o plot.svg] [--samples N] [--policy P[,P…]|all] [--coalesce C] [--debug]`;

/** What `wasmalloc --help` prints: the usage, and what each command and option does. */
const HELP = `wasmalloc: a boundary-tag malloc/free for WebAssembly, and tools to compare allocators.

${USAGE}
  wasmalloc --help | -h | help            this text
  wasmalloc --version | -v                the package's version

commands:
  demo      where each placement policy puts the same requests
  compare   every policy, the JS pool and the peers found (TLSF, dlmalloc, emmalloc, @thi.ng/malloc) on the bundled workloads
  replay    replays Malloc Lab .rep traces: utilization and speed per allocator
  map       an SVG picture of the heap after a trace's first --at operations
  plot      an SVG chart of utilization and fragmentation over a trace; several policies overlay

options:
  --policy P     segregated (the default, as in createHeap), first-fit, next-fit, best-fit; replay also takes all
  --coalesce C   immediate or deferred
  --debug        the debug heap
  --peers LIST   replay: a comma-separated list of js-pool, tlsf, dlmalloc, emmalloc, thi.ng; or all
  --peers-dir D  replay, compare: where dlmalloc.wasm and emmalloc.wasm are (default: WASMALLOC_PEERS,
                 else ../shared/peers beside a checkout); they are not shipped with the package
  --json         replay: results as JSON
  --at N         map: operations to run first (default: all)
  --samples N    plot: points on the chart (default 400)
  -o FILE        map, plot: where the SVG goes`;

/** The package's version, from its package.json. */
function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** A usage error: printed with a pointer to --help, exit code 2. */
class UsageError extends Error {}

/** A plot's --samples: at least 2 points make a line. */
function atLeastTwo(samples: number): number {
  if (samples < 2) throw new UsageError(`--samples takes an integer of 2 or more, got ${samples}`);
  return samples;
}

/**
 * Parses a map or plot command line. `several`: --policy may name several policies, comma-separated,
 * or all (plot overlays them).
 */
function traceCommand(args: string[], several = false): { file: string; out: string; at?: number; samples: number; options: HeapOptions; policies: Policy[] } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      at: { type: "string" },
      out: { type: "string", short: "o" },
      samples: { type: "string", default: "400" },
      policy: { type: "string", default: "segregated" },
      coalesce: { type: "string", default: "immediate" },
      debug: { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError("give exactly one trace file");
  if (!existsSync(positionals[0]) || statSync(positionals[0]).isDirectory()) {
    throw new UsageError(`no such trace file: ${positionals[0]}`);
  }
  const count = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a non-negative integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  const policies = (several && values.policy === "all" ? ALL_POLICIES : several ? values.policy.split(",") : [values.policy]) as Policy[];
  for (const p of policies) if (!ALL_POLICIES.includes(p)) throw new UsageError(`unknown policy ${JSON.stringify(p)}; known: ${ALL_POLICIES.join(", ")}${several ? ", all" : ""}`);
  return {
    policies,
    file: positionals[0],
    out: values.out ?? "",
    at: count("at", values.at),
    samples: atLeastTwo(count("samples", values.samples) ?? 400),
    options: { policy: values.policy as Policy, coalesce: values.coalesce as Coalesce, debug: values.debug },
  };
}

/** wasmalloc map: the heap after the first `--at` operations of a trace, as SVG. */
async function map(args: string[]): Promise<void> {
  const { file, out, at, options } = traceCommand(args);
  const trace = parseTrace(readFileSync(file, "utf8"));
  const heap = await createHeap(options);
  const result = replay(heap, trace, { ops: at });
  const blocks = heap.blocks();
  const svg = renderHeapMap(blocks, {
    title: `${file} after ${result.ops} of ${trace.kinds.length} operations (${heap.policy}, ${heap.coalesce})`,
    stats: heap.stats(),
  });
  writeFileSync(out || "heap.svg", svg);
  console.log(`wrote ${out || "heap.svg"}: ${blocks.length} blocks after ${result.ops} operations`);
}

/** wasmalloc plot: utilization and fragmentation over a replay, as SVG. */
/** A color for each policy in a plot that overlays several. */
const POLICY_COLORS: Record<Policy, string> = { "first-fit": "#4c78a8", "next-fit": "#f58518", "best-fit": "#54a24b", segregated: "#b279a2" };

/** wasmalloc plot: utilization and fragmentation over a replay, for one policy or several on one chart. */
async function plot(args: string[]): Promise<void> {
  const { file, out, samples, options, policies } = traceCommand(args, true);
  const trace = parseTrace(readFileSync(file, "utf8"));
  const every = Math.max(1, Math.floor(trace.kinds.length / samples));
  const runs: { policy: Policy; utilization: [number, number][]; fragmentation: [number, number][] }[] = [];
  for (const policy of policies) {
    const heap = await createHeap({ ...options, policy });
    const run = { policy, utilization: [] as [number, number][], fragmentation: [] as [number, number][] };
    let peak = 0;
    replay(heap, trace, {
      afterEach(op, live) {
        peak = Math.max(peak, live);
        if (op % every !== 0 && op !== trace.kinds.length - 1) return;
        const s = heap.stats();
        run.utilization.push([op + 1, s.extent ? peak / s.extent : 0]);
        run.fragmentation.push([op + 1, s.freeBytes ? 1 - s.largestFree / s.freeBytes : 0]);
      },
    });
    runs.push(run);
  }
  const coalesce = options.coalesce ?? "immediate";
  const one = runs.length === 1;
  const svg = renderPlot(runs.flatMap((r) => [
    { name: `${one ? "" : `${r.policy}: `}utilization (peak payload ÷ extent)`, color: one ? "#4c78a8" : POLICY_COLORS[r.policy], points: r.utilization },
    { name: `${one ? "" : `${r.policy}: `}fragmentation (1 − largest free ÷ free bytes)`, color: one ? "#e45756" : POLICY_COLORS[r.policy], dashed: !one, points: r.fragmentation },
  ]), { title: `${file} (${policies.join(", ")}; ${coalesce} coalescing)` });
  writeFileSync(out || "plot.svg", svg);
  const final = (r: (typeof runs)[number]): string => r.utilization[r.utilization.length - 1][1].toFixed(3);
  console.log(`wrote ${out || "plot.svg"}: ${runs[0].utilization.length} samples over ${trace.kinds.length} operations; final utilization ` +
    (one ? final(runs[0]) : runs.map((r) => `${r.policy} ${final(r)}`).join(", ")));
}

/**
 * Checks that the allocator `name` (src/tools/peers.ts) can be set up here, by setting one up:
 * a peer that cannot be is a usage error that says why.
 */
async function checkAllocator(name: string, peersDir?: string): Promise<void> {
  if (!PEERS.includes(name) && !name.startsWith("wasmalloc:")) {
    throw new UsageError(`unknown peer ${JSON.stringify(name)}; known: ${PEERS.join(", ")}, all`);
  }
  try {
    await makeAllocator(name, { peersDir });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A progress bar from cli-progress (an optional peer dependency of the CLI), or null without it. */
async function progressBar(total: number): Promise<{ increment(n: number, payload: object): void; stop(): void } | null> {
  try {
    const { Presets, SingleBar } = await import("cli-progress");
    const bar = new SingleBar({ format: "replay [{bar}] {value}/{total} | {allocator}", hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0, { allocator: "" });
    return bar;
  } catch {
    return null;                                // (not installed: no bar)
  }
}

/**
 * Measures the allocator `name` on every trace, in a worker of its own (measure-worker.ts), and
 * calls `done` after each trace. A failure in the worker rejects with its error.
 */
function measureInWorker(name: string, traces: Trace[], peersDir: string | undefined, done: () => void): Promise<Measurement[]> {
  const job: MeasureJob = { name, peersDir, traces };
  return new Promise((resolve, reject) => {
    const results: Measurement[] = [];
    const worker = new Worker(new URL("./measure-worker.js", import.meta.url), { workerData: job });
    worker.on("message", (m: Measurement) => {
      results.push(m);
      done();
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (results.length === traces.length) resolve(results);
      else reject(new Error(`measuring ${name}: its worker stopped (exit code ${code}) after ${results.length} of ${traces.length} traces`));
    });
  });
}

/**
 * Runs every allocator on every trace, with a progress bar on a terminal: one allocator at a
 * time, each in a worker of its own, so that no two are timed at once and none shares a replay
 * loop with another.
 */
async function measureAll(traces: { name: string; trace: Trace }[], names: string[], quiet: boolean, peersDir?: string):
  Promise<{ name: string; results: Measurement[] }[]> {
  for (const n of names) await checkAllocator(n, peersDir);     // a usage error, with its reason, before any worker starts
  const bar = !quiet && process.stdout.isTTY ? await progressBar(traces.length * names.length) : null;
  const byAllocator: Measurement[][] = [];
  try {
    for (const n of names) {
      byAllocator.push(await measureInWorker(n, traces.map((t) => t.trace), peersDir, () => bar?.increment(1, { allocator: n })));
    }
  } finally {
    bar?.stop();                                // (also when a worker fails: the terminal gets its cursor back)
  }
  return traces.map(({ name }, i) => ({ name, results: byAllocator.map((r) => r[i]) }));
}

const UTIL_LEGEND = "util = peak payload ÷ extent (the payload span for peers that report no extent); util(span) = ÷ the span of\n" +
  "payload addresses, measured the same way for every allocator; util(mem) = ÷ memory size\n";

/** Prints the measurements as a table, with the suite's mean utilization and total throughput. */
function printTable(rows: { name: string; results: Measurement[] }[], reference: string): void {
  const names = rows[0]?.results.map((r) => r.allocator) ?? [];
  const head = ["trace", "allocator", "util", "util(span)", "util(mem)", "ops/s", `vs ${reference}`, "verified"];
  const lines: string[][] = [];
  const suite = new Map<string, { util: number; span: number; mem: number; ops: number; seconds: number }>();
  for (const { name, results } of rows) {
    const ref = results.find((r) => r.allocator === reference);
    for (const r of results) {
      lines.push([name, r.allocator, r.utilization.toFixed(3), r.spanUtilization.toFixed(3), r.memoryUtilization.toFixed(3), Math.round(r.opsPerSecond).toLocaleString("en-US"),
        ref ? `${(r.opsPerSecond / ref.opsPerSecond).toFixed(2)}×` : "", r.verified === "ok" ? "ok" : `FAILED: ${r.verified}`]);
      const s = suite.get(r.allocator) ?? { util: 0, span: 0, mem: 0, ops: 0, seconds: 0 };
      s.util += r.utilization;
      s.span += r.spanUtilization;
      s.mem += r.memoryUtilization;
      s.ops += r.ops;
      s.seconds += r.ops / r.opsPerSecond;
      suite.set(r.allocator, s);
    }
  }
  const refSuite = suite.get(reference);
  for (const n of names) {
    const s = suite.get(n)!;
    lines.push(["SUITE (mean util, total ops/s)", n, (s.util / rows.length).toFixed(3), (s.span / rows.length).toFixed(3), (s.mem / rows.length).toFixed(3),
      Math.round(s.ops / s.seconds).toLocaleString("en-US"), refSuite ? `${((s.ops / s.seconds) / (refSuite.ops / refSuite.seconds)).toFixed(2)}×` : "", ""]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  console.log(fmt(head));
  console.log(fmt(widths.map((w) => "-".repeat(w))));
  for (const l of lines) console.log(fmt(l));
}

/**
 * The table's answer in a few lines: which allocator is fastest and which is tightest over the
 * suite and on each workload, with how far apart the runs were (the slowest run ÷ the fastest,
 * the median over the workloads).
 */
function printReading(rows: { name: string; results: Measurement[] }[]): void {
  if (rows.length === 0) return;
  const names = rows[0].results.map((r) => r.allocator);
  const total = (n: string) => {
    let ops = 0, seconds = 0, span = 0;
    const spreads: number[] = [];
    for (const { results } of rows) {
      const r = results.find((x) => x.allocator === n)!;
      ops += r.ops;
      seconds += r.ops / r.opsPerSecond;
      span += r.spanUtilization;
      spreads.push(r.spread);
    }
    spreads.sort((a, b) => a - b);
    return { n, speed: ops / seconds, span: span / rows.length, spread: spreads[spreads.length >> 1] };
  };
  const all = names.map(total);
  const bySpeed = [...all].sort((a, b) => b.speed - a.speed);
  const bySpan = [...all].sort((a, b) => b.span - a.span);
  const pct = (x: number) => `${((x - 1) * 100).toFixed(0)}%`;
  console.log("\nReading:");
  console.log(`- fastest over the suite: ${bySpeed[0].n}, ${(bySpeed[0].speed / bySpeed[1].speed).toFixed(2)}× ${bySpeed[1].n} (its runs of a workload spread by ${pct(bySpeed[0].spread)} at the median: read a lead smaller than that as a tie)`);
  console.log(`- tightest over the suite (mean utilization of the payload span): ${bySpan[0].n}, ${bySpan[0].span.toFixed(3)} against ${bySpan[1].n}'s ${bySpan[1].span.toFixed(3)}`);
  for (const { name, results } of rows) {
    const fast = [...results].sort((a, b) => b.opsPerSecond - a.opsPerSecond)[0];
    const tight = [...results].sort((a, b) => b.spanUtilization - a.spanUtilization)[0];
    console.log(`- ${name}: fastest ${fast.allocator}, tightest ${tight.allocator} (${tight.spanUtilization.toFixed(3)})`);
  }
}

/** wasmalloc replay: traces from files and directories, every chosen allocator. */
async function replayCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      policy: { type: "string", default: "segregated" }, peers: { type: "string", default: "" }, "peers-dir": { type: "string" }, json: { type: "boolean", default: false },
    },
  });
  if (positionals.length === 0) throw new UsageError("give at least one trace file or directory");
  const files = positionals.flatMap((p) => {
    if (!existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
    return statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith(".rep")).sort().map((f) => join(p, f)) : [p];
  });
  if (files.length === 0) throw new UsageError("no .rep files found");
  const policies = values.policy === "all" ? ALL_POLICIES : [values.policy as Policy];
  for (const p of policies) if (!ALL_POLICIES.includes(p)) throw new UsageError(`unknown policy ${JSON.stringify(p)}`);
  const peers = values.peers === "all" ? PEERS : values.peers ? values.peers.split(",") : [];
  const names = [...policies.map((p) => `wasmalloc:${p}`), ...peers];
  const traces = files.map((f) => ({ name: f.split("/").pop()!, trace: parseTrace(readFileSync(f, "utf8")) }));
  const rows = await measureAll(traces, names, values.json, values["peers-dir"]);
  if (values.json) console.log(JSON.stringify({ date: new Date().toISOString(), node: process.version, traces: rows }, null, 2));
  else {
    console.log(UTIL_LEGEND);
    printTable(rows, peers.includes("tlsf") ? "tlsf" : names[0]);
  }
}

/** wasmalloc compare (npm start): every allocator that can run here, on the bundled workloads. */
async function compare(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { "peers-dir": { type: "string" } } });
  const peersDir = values["peers-dir"];
  const names = [...ALL_POLICIES.map((p) => `wasmalloc:${p}`), "js-pool"];
  for (const peer of PEERS.filter((p) => p !== "js-pool")) {   // (the JS pool is always there)
    try {
      await checkAllocator(peer, peersDir);
      names.push(peer);
    } catch (err) {
      console.log(`(${peer} left out: ${err instanceof Error ? err.message : err})`);
    }
  }
  console.log(`wasmalloc compare: ${names.join(", ")} on the bundled workloads (src/generators.ts)`);
  console.log(UTIL_LEGEND);
  const traces = Object.entries(WORKLOADS).map(([name, make]) => ({ name, trace: make() }));
  const rows = await measureAll(traces, names, false, peersDir);
  printTable(rows, names.includes("tlsf") ? "tlsf" : names[0]);
  printReading(rows);
  if (names.includes("thi.ng")) console.log("\nthi.ng: @thi.ng/malloc 6.1.150; its realloc leaks the old block whenever the block moves.");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") console.log(HELP);
    else if (command === "--version" || command === "-v") console.log(version());
    else if (command === "demo") await demo();
    else if (command === "compare") {
      const stray = rest.filter((a, i) => !a.startsWith("--peers-dir") && rest[i - 1] !== "--peers-dir");
      if (stray.length > 0) throw new UsageError(`compare takes only --peers-dir, got ${stray.map((a) => JSON.stringify(a)).join(" ")}`);
      await compare(rest);
    }
    else if (command === "replay") await replayCommand(rest);
    else if (command === "map") await map(rest);
    else if (command === "plot") await plot(rest);
    else throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    return 0;
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))) throw err;
    console.error(`wasmalloc: ${err.message}\n(wasmalloc --help lists the commands and their options)`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { console.error(`wasmalloc: ${err instanceof Error ? err.message : err}`); process.exitCode = 1; },
);
