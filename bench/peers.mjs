// The allocators that the benchmarks and `wasmalloc replay --peers` compare, behind one shape:
// { name, malloc, free, realloc, memory: { buffer }, extent() }. Each is set up as its authors
// recommend; only calling conventions are adapted.
//
// - wasmalloc:<policy>: createHeap({ policy }), the typed API.
// - js-pool: this package's pure-JS pool allocator (src/jspool.ts).
// - tlsf: AssemblyScript's TLSF, build/peers/tlsf.wasm (bench/peers/tlsf.ts, npm run build:peers).
// - wasmalloc-min: this package's minimal build, build/wasmalloc.min.wasm, through its raw exports
//   as TLSF is (no typed API in between); its extent from heap_stat(0).
// - dlmalloc, emmalloc: ../shared/peers/*.wasm (wasi-libc's dlmalloc and Emscripten 3.1.6's
//   emmalloc, built by clang -O2), through their raw exports as TLSF is. They have no calloc
//   export: calloc is malloc and a fill of the memory from JS. Present only beside a checkout
//   with ../shared.
// - thi.ng: @thi.ng/malloc's MemPool with its defaults (8-byte alignment, split and compact on)
//   over a fixed 512 MiB buffer, since it cannot grow. Its realloc leaks the old block whenever
//   the block moves (6.1.150: the address offset is subtracted twice), and its free is
//   O(number of used blocks); its figures stand as measured, with that said.

import { existsSync, readFileSync } from "node:fs";
import { MemPool } from "@thi.ng/malloc";
import { builtinAllocator } from "../dist/measure.js";

const TLSF_WASM = new URL("../build/peers/tlsf.wasm", import.meta.url);
const MIN_WASM = new URL("../build/wasmalloc.min.wasm", import.meta.url);
/** The C peers, by name: their .wasm in ../shared/peers (read there, never copied). */
export const C_PEERS = { dlmalloc: new URL("../../shared/peers/dlmalloc.wasm", import.meta.url), emmalloc: new URL("../../shared/peers/emmalloc.wasm", import.meta.url) };
let tlsfModule;
let minModule;
const cModules = {};

/** The names makeAllocator knows. */
export const ALLOCATORS = ["wasmalloc:first-fit", "wasmalloc:next-fit", "wasmalloc:best-fit", "wasmalloc:segregated", "wasmalloc-min", "js-pool", "tlsf", "dlmalloc", "emmalloc", "thi.ng"];

/** A fresh allocator by name. extent() is its heap size as it reports it, or undefined. */
export async function makeAllocator(name) {
  const own = await builtinAllocator(name);    // wasmalloc:<policy> and js-pool (src/measure.ts)
  if (own) return own;
  if (name === "tlsf") {
    if (!existsSync(TLSF_WASM)) throw new Error("tlsf: build/peers/tlsf.wasm is missing; run npm run build:peers");
    tlsfModule ??= await WebAssembly.compile(readFileSync(TLSF_WASM));
    const { exports } = await WebAssembly.instantiate(tlsfModule, { env: { abort() { throw new Error("tlsf: abort"); } } });
    const { malloc, free, realloc, calloc, memory } = exports;   // calloc: heap.alloc + memory.fill, in wasm
    return { name, malloc: (n) => malloc(n) >>> 0, free, realloc: (p, n) => realloc(p, n) >>> 0, calloc: (c, n) => calloc(c, n) >>> 0, memory, extent: () => undefined };
  }
  if (name in C_PEERS) {
    if (!existsSync(C_PEERS[name])) throw new Error(`${name}: ${C_PEERS[name].pathname} is missing; it comes with ../shared beside a checkout`);
    cModules[name] ??= await WebAssembly.compile(readFileSync(C_PEERS[name]));
    const { exports } = await WebAssembly.instantiate(cModules[name], {});
    const { malloc, free, realloc, memory } = exports;
    return {
      name,
      malloc: (n) => malloc(n) >>> 0,
      free,
      realloc: (p, n) => realloc(p, n) >>> 0,
      calloc: (c, n) => {
        const total = c * n;
        if (total > 0xFFFF_0000) return 0;
        const p = malloc(total) >>> 0;
        if (p !== 0) new Uint8Array(memory.buffer, p, total).fill(0);
        return p;
      },
      memory,
      extent: () => undefined,
    };
  }
  if (name === "wasmalloc-min") {
    if (!existsSync(MIN_WASM)) throw new Error("wasmalloc-min: build/wasmalloc.min.wasm is missing; run npm run build");
    minModule ??= await WebAssembly.compile(readFileSync(MIN_WASM));
    const { exports } = await WebAssembly.instantiate(minModule, {});
    const { malloc, free, realloc, calloc, memory, heap_stat } = exports;
    return {
      name,
      malloc: (n) => malloc(n) >>> 0,
      free: (p) => { if (free(p) !== 0) throw new Error(`wasmalloc-min: free(${p}) refused`); },
      realloc: (p, n) => realloc(p, n) >>> 0,
      calloc: (c, n) => calloc(c, n) >>> 0,
      memory,
      extent: () => heap_stat(0),
    };
  }
  if (name === "thi.ng") {
    const pool = new MemPool({ size: 512 * 2 ** 20 });
    const memory = { get buffer() { return pool.buf; } };
    return {
      name,
      malloc: (n) => pool.malloc(n),
      free: (p) => { if (p !== 0) pool.free(p); },
      realloc: (p, n) => (p === 0 ? pool.malloc(n) : pool.realloc(p, n)),
      calloc: (count, size) => pool.calloc(count * size),
      memory,
      extent: () => undefined,
    };
  }
  throw new Error(`unknown allocator ${JSON.stringify(name)}; known: ${ALLOCATORS.join(", ")}`);
}
