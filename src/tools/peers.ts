// The allocators that `wasmalloc replay --peers`, `wasmalloc compare` and the benchmarks compare,
// behind one shape (Measurable): { name, malloc, free, realloc, calloc, memory, extent() }. Each is
// set up as its authors recommend; only calling conventions are adapted. Node only (node:fs).
//
// - wasmalloc:<policy>, js-pool: this package's own allocators (measure.ts).
// - wasmalloc-min: the minimal build, build/wasmalloc.min.wasm, through its raw exports as TLSF is.
// - tlsf: AssemblyScript's TLSF, build/peers/tlsf.wasm, built from the AssemblyScript compiler's
//   own runtime when the package is packed (bench/peers/tlsf.ts) and shipped with it.
// - dlmalloc, emmalloc: wasi-libc's dlmalloc and Emscripten's emmalloc as .wasm files exporting
//   memory, malloc, free and realloc. They are third-party builds, not shipped: they are read
//   from the directory given by `--peers-dir` or WASMALLOC_PEERS, else from ../shared/peers
//   beside a checkout of the project. No calloc export: calloc is malloc and a fill from JS.
// - thi.ng: @thi.ng/malloc's MemPool with its defaults (8-byte alignment, split and compact on)
//   over a fixed 512 MiB buffer, since it cannot grow; an optional peer dependency. Its realloc
//   leaks the old block whenever the block moves (6.1.150: the address offset is subtracted
//   twice), and its free is O(number of used blocks); its figures stand as measured.

import { existsSync, readFileSync } from "node:fs";
import { builtinAllocator, type Measurable } from "./measure.js";

/** The names makeAllocator knows. */
export const ALLOCATORS = ["wasmalloc:first-fit", "wasmalloc:next-fit", "wasmalloc:best-fit", "wasmalloc:segregated", "wasmalloc-min", "js-pool", "tlsf", "dlmalloc", "emmalloc", "thi.ng"];

/** The allocators that are not one of wasmalloc's builds: what `--peers` takes. */
export const PEERS = ALLOCATORS.filter((n) => !n.startsWith("wasmalloc"));

/** The peers that are third-party .wasm files, read from a directory (see peerFile). */
export const C_PEER_NAMES = ["dlmalloc", "emmalloc"];

const TLSF_WASM = new URL("../../build/peers/tlsf.wasm", import.meta.url);
const MIN_WASM = new URL("../../build/wasmalloc.min.wasm", import.meta.url);
/** ../shared/peers beside a checkout of the project. */
const SHARED_PEERS = new URL("../../../shared/peers/", import.meta.url);

/** Where the C peer `name` is read from: `dir` (or WASMALLOC_PEERS) when given, else ../shared/peers. */
export function peerFile(name: string, dir = process.env.WASMALLOC_PEERS): URL {
  const base = dir ? new URL(dir.endsWith("/") ? dir : `${dir}/`, `file://${process.cwd()}/`) : SHARED_PEERS;
  return new URL(`${name}.wasm`, base);
}

type RawExports = {
  memory: WebAssembly.Memory;
  malloc(n: number): number;
  free(p: number): number | void;
  realloc(p: number, n: number): number;
  calloc?(c: number, n: number): number;
  heap_stat?(i: number): number;
};

const modules = new Map<string, WebAssembly.Module>();

/** Instantiates the .wasm at `file` (compiled once), with `imports`. */
async function instance(file: URL, imports: WebAssembly.Imports): Promise<RawExports> {
  let mod = modules.get(file.href);
  if (!mod) {
    mod = await WebAssembly.compile(readFileSync(file));
    modules.set(file.href, mod);
  }
  return (await WebAssembly.instantiate(mod, imports)).exports as unknown as RawExports;
}

/** calloc as malloc and a fill from JS, for peers that export none; 0 when count × size overflows 32 bits. */
function callocByFill(e: RawExports): (count: number, size: number) => number {
  return (count, size) => {
    const total = count * size;
    if (total > 0xFFFF_0000) return 0;
    const p = e.malloc(total) >>> 0;
    if (p !== 0) new Uint8Array(e.memory.buffer, p, total).fill(0);
    return p;
  };
}

/** The options makeAllocator takes. */
export interface PeerOptions {
  /** The directory holding dlmalloc.wasm and emmalloc.wasm (default: WASMALLOC_PEERS, else ../shared/peers). */
  peersDir?: string;
}

/**
 * A fresh allocator by name (one of ALLOCATORS). Throws an Error that says what is missing and how
 * to add it when a peer cannot be set up.
 */
export async function makeAllocator(name: string, options: PeerOptions = {}): Promise<Measurable> {
  const own = await builtinAllocator(name);
  if (own) return own;
  if (name === "tlsf") {
    if (!existsSync(TLSF_WASM)) throw new Error("tlsf: build/peers/tlsf.wasm is missing; in a checkout, run npm run build:peers (the package ships it)");
    const e = await instance(TLSF_WASM, { env: { abort() { throw new Error("tlsf: abort"); } } });
    const calloc = e.calloc!;   // heap.alloc and memory.fill, in wasm
    return { name, malloc: (n) => e.malloc(n) >>> 0, free: (p) => { e.free(p); }, realloc: (p, n) => e.realloc(p, n) >>> 0, calloc: (c, n) => calloc(c, n) >>> 0, memory: e.memory, extent: () => undefined };
  }
  if (C_PEER_NAMES.includes(name)) {
    const file = peerFile(name, options.peersDir);
    if (!existsSync(file)) {
      throw new Error(`${name}: ${file.pathname} is missing. The C peers are not shipped: put ${name}.wasm (exporting memory, malloc, free and realloc) ` +
        "in a directory and pass --peers-dir DIR or set WASMALLOC_PEERS=DIR");
    }
    const e = await instance(file, {});
    return { name, malloc: (n) => e.malloc(n) >>> 0, free: (p) => { e.free(p); }, realloc: (p, n) => e.realloc(p, n) >>> 0, calloc: callocByFill(e), memory: e.memory, extent: () => undefined };
  }
  if (name === "wasmalloc-min") {
    if (!existsSync(MIN_WASM)) throw new Error("wasmalloc-min: build/wasmalloc.min.wasm is missing; run npm run build");
    const e = await instance(MIN_WASM, {});
    const calloc = e.calloc!;
    return {
      name,
      malloc: (n) => e.malloc(n) >>> 0,
      free: (p) => { if (e.free(p) !== 0) throw new Error(`wasmalloc-min: free(${p}) refused`); },
      realloc: (p, n) => e.realloc(p, n) >>> 0,
      calloc: (c, n) => calloc(c, n) >>> 0,
      memory: e.memory,
      extent: () => e.heap_stat!(0),
    };
  }
  if (name === "thi.ng") {
    let MemPool: new (opts: { size: number }) => {
      buf: ArrayBufferLike; malloc(n: number): number; free(p: number): boolean; realloc(p: number, n: number): number; calloc(n: number): number;
    };
    try {
      ({ MemPool } = await import("@thi.ng/malloc" as string) as { MemPool: typeof MemPool });
    } catch {
      throw new Error("thi.ng: @thi.ng/malloc is not installed; it is an optional peer dependency: npm install @thi.ng/malloc");
    }
    const pool = new MemPool({ size: 512 * 2 ** 20 });
    return {
      name,
      malloc: (n) => pool.malloc(n),
      free: (p) => { if (p !== 0) pool.free(p); },
      realloc: (p, n) => (p === 0 ? pool.malloc(n) : pool.realloc(p, n)),
      calloc: (count, size) => pool.calloc(count * size),
      memory: { get buffer() { return pool.buf; } },
      extent: () => undefined,
    };
  }
  throw new Error(`unknown allocator ${JSON.stringify(name)}; known: ${ALLOCATORS.join(", ")}`);
}
