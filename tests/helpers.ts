// Layout constants (mirrors of assembly/block.ts) and small helpers shared by the tests.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHeap } from "../src/index.js";
import type { Coalesce, Heap, HeapOptions, Policy } from "../src/index.js";

/** A header word. */
export const HEADER = 4;
/** The smallest block: header, two links, footer. */
export const MIN_BLOCK = 16;
/** The prologue block. */
export const PROLOGUE = 8;
/** Header flag bits. */
export const USED = 1;
export const LEFT_USED = 2;
/** A wasm page. */
export const PAGE = 65536;

export const POLICIES: Policy[] = ["first-fit", "next-fit", "best-fit", "segregated"];
export const COALESCING: Coalesce[] = ["immediate", "deferred"];
export const CONFIGS = POLICIES.flatMap((policy) => COALESCING.map((coalesce) => ({ policy, coalesce })));

/** The block size that serves a request of n bytes. */
export function blockSize(n: number): number {
  return Math.max(MIN_BLOCK, (n + HEADER + 7) & ~7);
}

/** A heap and the address of its first payload. */
export async function freshHeap(options: HeapOptions = {}): Promise<{ heap: Heap; first: number; start: number }> {
  const heap = await createHeap(options);
  const start = heap.stats().heapStart;
  return { heap, first: start + PROLOGUE + HEADER, start };
}

/** The header word of the block whose payload is p. */
export function header(heap: Heap, p: number): number {
  return new DataView(heap.memory.buffer).getUint32(p - HEADER, true);
}

/** Sampling for blocks over 64 KiB: their first and last 4 KiB, and every 4093rd byte between. */
const EDGE = 4096;
const STRIDE = 4093;

/** The pattern byte at offset i of a block seeded by `seed`. */
const pattern = (seed: number, i: number): number => (seed * 31 + i * 7 + 1) & 255;

/** Fills n bytes at p with a pattern seeded by `seed` (sampled past 64 KiB, see above). */
export function fill(heap: Heap, p: number, n: number, seed: number): void {
  const u8 = new Uint8Array(heap.memory.buffer, p, n);
  const edge = n <= 65536 ? n : EDGE;
  for (let i = 0; i < edge; i++) u8[i] = pattern(seed, i);
  if (edge === n) return;
  for (let i = EDGE; i < n - EDGE; i += STRIDE) u8[i] = pattern(seed, i);
  for (let i = n - EDGE; i < n; i++) u8[i] = pattern(seed, i);
}

/**
 * Whether a block filled as n bytes at p still holds the pattern seeded by `seed` (sampled past
 * 64 KiB), looking only below `limit` (for the prefix a realloc keeps).
 */
export function holds(heap: Heap, p: number, n: number, seed: number, limit = n): boolean {
  const u8 = new Uint8Array(heap.memory.buffer, p, limit);
  const ok = (i: number): boolean => i >= limit || u8[i] === pattern(seed, i);
  const edge = n <= 65536 ? n : EDGE;
  for (let i = 0; i < edge; i++) if (!ok(i)) return false;
  if (edge === n) return true;
  for (let i = EDGE; i < n - EDGE; i += STRIDE) if (!ok(i)) return false;
  for (let i = n - EDGE; i < n; i++) if (!ok(i)) return false;
  return true;
}

/**
 * The odd values of the bad-input matrices (matrix.test.ts, pool-misuse.test.ts), with what each
 * is as a size: a TypeError, a RangeError, or a request that cannot be met (0).
 */
export const ODD_VALUES: [string, unknown, "type" | "range" | "zero" | "ok"][] = [
  ["undefined", undefined, "type"],
  ["null", null, "type"],
  ["NaN", NaN, "range"],
  ["Infinity", Infinity, "range"],
  ["-Infinity", -Infinity, "range"],
  ["-1", -1, "range"],
  ["-0.5", -0.5, "range"],
  ["1.5", 1.5, "range"],
  ["2^32", 2 ** 32, "zero"],
  ["2^53", 2 ** 53, "zero"],
  ["8n (BigInt)", 8n, "type"],
  ['"8" (string)', "8", "type"],
  ["{} (object)", {}, "type"],
  ["[8] (array)", [8], "type"],
  ["true", true, "type"],
];

const root = new URL("..", import.meta.url).pathname;

/**
 * A TypeScript project in a temporary directory that depends on this checkout as "wasmalloc"
 * (with @types/node beside it), with `compilerOptions` and main.ts: runs tsc on it, then `after`
 * in its directory, and removes it.
 */
export function withConsumer(compilerOptions: Record<string, unknown>, main: string, after: (dir: string) => void = () => {}): void {
  const project = mkdtempSync(join(tmpdir(), "wasmalloc-consumer-"));
  try {
    mkdirSync(join(project, "node_modules"));
    symlinkSync(root, join(project, "node_modules", "wasmalloc"), "dir");
    symlinkSync(join(root, "node_modules", "@types"), join(project, "node_modules", "@types"), "dir");
    writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["main.ts"] }));
    writeFileSync(join(project, "main.ts"), main);
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd: project, stdio: "pipe" });
    after(project);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
