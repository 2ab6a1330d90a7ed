#!/usr/bin/env node
// The wasmalloc command. `wasmalloc demo` (what `npm start` runs) allocates, frees and prints
// where each policy places the same requests, with each heap's statistics.

import type { Coalesce, Heap, Policy } from "./api.js";
import { createHeap } from "./heap.js";

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

const USAGE = "usage: wasmalloc demo";

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command === "demo" || command === undefined) {
    await demo();
    return 0;
  }
  console.error(`wasmalloc: unknown command ${JSON.stringify(command)}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { console.error(err instanceof Error ? err.message : err); process.exitCode = 1; },
);
