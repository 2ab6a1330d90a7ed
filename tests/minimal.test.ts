// The minimal build (assembly/minimal.ts, build/wasmalloc.min.wasm): the default policy, the
// exact pointer checks and the statistics, nothing else, and no imports.
import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { randomSizes, vectorGrowth } from "../src/tools/generators.js";
import { OP_ALLOC, OP_FREE } from "../src/tools/trace.js";
import type { Trace } from "../src/tools/trace.js";

const root = new URL("..", import.meta.url).pathname;
const minBytes = readFileSync(`${root}build/wasmalloc.min.wasm`);
const releaseBytes = readFileSync(`${root}build/wasmalloc.wasm`);

interface Core {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): number;
  calloc(c: number, n: number): number;
  realloc(p: number, n: number): number;
  usableSize(p: number): number;
  heap_last_error(): number;
  heap_stat(i: number): number;
  heap_set_cache?(on: number): void;
}

async function instance(bytes: Uint8Array, imports: WebAssembly.Imports = {}): Promise<Core> {
  return (await WebAssembly.instantiate(bytes, imports)).instance.exports as unknown as Core;
}

/** Replays `t`, returning every pointer handed out, as an offset from the heap's start. */
function replay(c: Core, t: Trace): number[] {
  const ptrs = new Uint32Array(t.numIds);
  const out: number[] = [];
  for (let i = 0; i < t.kinds.length; i++) {
    const id = t.ids[i];
    if (t.kinds[i] === OP_ALLOC) out.push(ptrs[id] = c.malloc(t.sizes[i]) >>> 0);
    else if (t.kinds[i] === OP_FREE) expect(c.free(ptrs[id])).toBe(0);
    else out.push(ptrs[id] = c.realloc(ptrs[id], t.sizes[i]) >>> 0);
  }
  const heapStart = c.heap_stat(11);         // (the builds' static data differ, so their heaps start apart)
  return out.map((p) => (p === 0 ? 0 : p - heapStart));
}

describe("the minimal build", () => {
  it("imports nothing and exports only the allocator and its statistics", () => {
    const module = new WebAssembly.Module(minBytes);
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(
      ["calloc", "free", "heap_last_error", "heap_stat", "malloc", "memory", "realloc", "usableSize"]);
    // Issue 3's code-size target: at most 4 KB with the default policy, the guards and the stats.
    expect(statSync(`${root}build/wasmalloc.min.wasm`).size).toBeLessThanOrEqual(4000);
  });

  it("places every block where the release build's default policy does", async () => {
    for (const t of [randomSizes(6000, 3), vectorGrowth(30, 2)]) {
      const min = await instance(minBytes);
      const release = await instance(releaseBytes, { env: { abort() { throw new Error("abort"); } } });
      release.heap_set_cache!(0);              // (the minimal build has no cache of freed blocks)
      expect(replay(min, t)).toEqual(replay(release, t));
      expect(min.heap_stat(0)).toBe(release.heap_stat(0));    // the same extent
      expect(min.heap_stat(3)).toBe(0);                         // nothing left in use
    }
  });

  it("refuses double and invalid frees exactly, and calloc clears", async () => {
    const c = await instance(minBytes);
    const p = c.malloc(40);
    const q = c.malloc(40);
    expect(c.free(p + 8)).toBe(2);                              // INVALID_POINTER
    expect(c.free(p)).toBe(0);
    expect(c.free(p)).toBe(1);                                  // DOUBLE_FREE
    expect(c.heap_last_error()).toBe(1);
    new Uint8Array(c.memory.buffer).fill(0xAB, q, q + 40);
    c.free(q);
    const z = c.calloc(10, 4);
    expect([...new Uint8Array(c.memory.buffer, z, 40)].every((x) => x === 0)).toBe(true);
    expect(c.usableSize(z)).toBeGreaterThanOrEqual(40);
    expect(c.malloc(2 ** 32 - 1)).toBe(0);
    expect(c.heap_last_error()).toBe(3);                        // OUT_OF_MEMORY
  });
});
