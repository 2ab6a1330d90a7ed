#!/usr/bin/env node
// The wasmalloc command. `wasmalloc demo` (what `npm start` runs) allocates, frees and prints
// where each policy places the same requests, with each heap's statistics.

import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Coalesce, Heap, HeapOptions, Policy } from "./api.js";
import { createHeap } from "./heap.js";
import { renderHeapMap } from "./map.js";
import { renderPlot } from "./plot.js";
import { replay } from "./replay.js";
import { parseTrace } from "./trace.js";

const POLICIES: Policy[] = ["first-fit", "next-fit", "best-fit"];
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
  wasmalloc map <trace.rep> [--at <op>] [-o heap.svg] [--policy P] [--coalesce C] [--debug]
  wasmalloc plot <trace.rep> [-o plot.svg] [--samples N] [--policy P] [--coalesce C] [--debug]`;

/** A usage error: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** Parses a map or plot command line. */
function traceCommand(args: string[]): { file: string; out: string; at?: number; samples: number; options: HeapOptions } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      at: { type: "string" },
      out: { type: "string", short: "o" },
      samples: { type: "string", default: "400" },
      policy: { type: "string", default: "first-fit" },
      coalesce: { type: "string", default: "immediate" },
      debug: { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError("give exactly one trace file");
  const count = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a non-negative integer, got ${JSON.stringify(v)}`);
    return Number(v);
  };
  return {
    file: positionals[0],
    out: values.out ?? "",
    at: count("at", values.at),
    samples: Math.max(2, count("samples", values.samples) ?? 400),
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
async function plot(args: string[]): Promise<void> {
  const { file, out, samples, options } = traceCommand(args);
  const trace = parseTrace(readFileSync(file, "utf8"));
  const heap = await createHeap(options);
  const every = Math.max(1, Math.floor(trace.kinds.length / samples));
  const utilization: [number, number][] = [];
  const fragmentation: [number, number][] = [];
  let peak = 0;
  replay(heap, trace, {
    afterEach(op, live) {
      peak = Math.max(peak, live);
      if (op % every !== 0 && op !== trace.kinds.length - 1) return;
      const s = heap.stats();
      utilization.push([op + 1, s.extent ? peak / s.extent : 0]);
      fragmentation.push([op + 1, s.freeBytes ? 1 - s.largestFree / s.freeBytes : 0]);
    },
  });
  const svg = renderPlot([
    { name: "utilization (peak payload ÷ extent)", color: "#4c78a8", points: utilization },
    { name: "fragmentation (1 − largest free ÷ free bytes)", color: "#e45756", points: fragmentation },
  ], { title: `${file} (${heap.policy}, ${heap.coalesce})` });
  writeFileSync(out || "plot.svg", svg);
  console.log(`wrote ${out || "plot.svg"}: ${utilization.length} samples over ${trace.kinds.length} operations; final utilization ${utilization[utilization.length - 1][1].toFixed(3)}`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "demo" || command === undefined) await demo();
    else if (command === "map") await map(rest);
    else if (command === "plot") await plot(rest);
    else throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    return 0;
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))) throw err;
    console.error(`wasmalloc: ${err.message}\n${USAGE}`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { console.error(err instanceof Error ? err.message : err); process.exitCode = 1; },
);
