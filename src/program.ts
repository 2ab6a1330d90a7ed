// linkProgram: runs a wasm program (C built by clang with c/wasmalloc.c) on a wasmalloc heap in
// the program's own memory. The program imports its memory; the heap goes above the program's
// __heap_base, in the foreign build of the core, whose exports the program imports as "wasmalloc".

import type { DebugHeap, Heap, HeapOptions } from "./api.js";
import { HeapError, describe } from "./errors.js";
import { placeHeap, refusal, resolveOptions, wrapHeap } from "./heap.js";
import { instantiateCore } from "./loader.js";
import type { WasmBytes, WasmExports, WasmImports, WasmMemory, WasmModule } from "./wasm-types.js";

/** Options for {@link linkProgram}: those of createHeap, except where the heap goes. */
export type ProgramOptions = Omit<HeapOptions, "memory" | "heapBase" | "shared" | "cache">;

/** What {@link linkProgram} returns. */
export interface LinkedProgram<H extends Heap = Heap> {
  /**
   * The program's instance, as `node:wasi`'s `start()` and `initialize()` take it: its exports,
   * with `memory` added (the program imports its memory rather than exporting it).
   */
  instance: { exports: WasmExports & { memory: WasmMemory } };
  /** The heap that serves the program's malloc and free: stats(), check(), blocks(). */
  heap: H;
  /** The program's memory, made by linkProgram. */
  memory: WasmMemory;
}

/** The calls the shim reports to `wasmalloc.refused`, by number (c/wasmalloc.c). */
const SHIM_CALLS = ["malloc", "free", "calloc", "realloc", "aligned_alloc", "malloc_usable_size"];

/** The core's exports a program may import from "wasmalloc" (c/wasmalloc.c uses these). */
const PROGRAM_IMPORTS = ["malloc", "free", "calloc", "realloc", "alignedAlloc", "usableSize", "heap_last_error", "heap_check"] as const;

/** The memory a module imports: where, and its limits in pages. */
interface MemoryImport {
  module: string;
  name: string;
  initial: number;
  maximum: number | undefined;
  shared: boolean;
}

/**
 * Runs `program` on a wasmalloc heap: makes its memory, puts the heap above its `__heap_base`,
 * and instantiates it with `imports` (for example `{ wasi_snapshot_preview1: wasi.wasiImport }`)
 * plus the allocator's, under "wasmalloc". The program must be built with
 * `-Wl,--import-memory -Wl,--export=__heap_base`, with c/wasmalloc.c compiled in.
 *
 * With `options.debug`, the program runs on the debug heap, and the heap is checked each time the
 * program calls out to the host (a WASI call, say): a write after free or past a block stops the
 * program there with a HeapError, before its output can show that it went on. The other
 * options are createHeap's.
 *
 * A double free or a bad pointer passed to free or realloc stops the program with a HeapError
 * thrown out of the call that runs it (`wasi.start(instance)`), naming the call and the pointer.
 *
 * Throws TypeError for a program that does not import its memory or export `__heap_base`, for
 * imports that are not an object or that already have "wasmalloc", and for bad options.
 */
export async function linkProgram(program: WasmModule | WasmBytes,
  imports?: WasmImports, options?: ProgramOptions & { debug: true }): Promise<LinkedProgram<DebugHeap>>;
export async function linkProgram(program: WasmModule | WasmBytes,
  imports?: WasmImports, options?: ProgramOptions): Promise<LinkedProgram>;
export async function linkProgram(program: WasmModule | WasmBytes,
  imports: WasmImports = {}, options: ProgramOptions = {}): Promise<LinkedProgram> {
  if (imports === null || typeof imports !== "object") {
    throw new TypeError(`linkProgram: imports must be an object, got ${describe(imports)}`);
  }
  if (Object.hasOwn(imports, "wasmalloc")) {
    throw new TypeError("linkProgram: imports already has \"wasmalloc\"; the allocator's imports go there");
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`linkProgram: options must be an object, got ${describe(options)}`);
  }
  for (const key of ["memory", "heapBase", "shared", "cache"]) {
    if (Object.hasOwn(options, key)) throw new TypeError(`linkProgram: option ${JSON.stringify(key)} does not apply to a program's heap`);
  }
  const resolved = resolveOptions(options);
  let module: WebAssembly.Module;
  let limits: MemoryImport | undefined;
  if (program instanceof WebAssembly.Module) {
    module = program;
  } else if (ArrayBuffer.isView(program) || program instanceof ArrayBuffer) {
    const bytes = ArrayBuffer.isView(program)
      ? new Uint8Array(program.buffer, program.byteOffset, program.byteLength) : new Uint8Array(program);
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);   // (a shared buffer compiles as well)
    limits = memoryImport(bytes);
  } else {
    throw new TypeError(`linkProgram: program must be a WebAssembly.Module or the bytes of one, got ${describe(program)}`);
  }

  const memoryImports = WebAssembly.Module.imports(module).filter((i) => i.kind === "memory");
  if (memoryImports.length !== 1) {
    throw new TypeError("linkProgram: the program must import its memory: build it with -Wl,--import-memory");
  }
  if (!WebAssembly.Module.exports(module).some((e) => e.kind === "global" && e.name === "__heap_base")) {
    throw new TypeError("linkProgram: the program must export __heap_base: build it with -Wl,--export=__heap_base");
  }
  if (limits?.shared) throw new TypeError("linkProgram: the program imports a shared memory; only unshared memory is supported");
  const { module: memModule, name: memName } = memoryImports[0];
  let maximum = resolved.maximumPages;
  if (limits?.maximum !== undefined) maximum = Math.min(maximum, limits.maximum);
  const memory = new WebAssembly.Memory({ initial: Math.min(limits?.initial ?? 1, maximum), maximum });

  const core = await instantiateCore(resolved.debug ? "foreign-debug" : "foreign", memory);
  // (The heap is set up only once the program's __heap_base is known, below; nothing calls it before.)
  const heap = wrapHeap(core, resolved);
  const check = resolved.debug ? (): void => {
    const v = heap.check();
    if (v) throw new HeapError(v.code, `the program corrupted its heap (found at a call to the host): ${v.message}`, v.address);
  } : undefined;
  const allocator: Record<string, unknown> = {};
  for (const name of PROGRAM_IMPORTS) allocator[name] = core[name];
  allocator.refused = (call: number, code: number, ptr: number): never => {
    throw refusal(core, SHIM_CALLS[call] ?? `call ${call}`, code, ptr >>> 0);
  };
  const linked: WebAssembly.Imports = { wasmalloc: allocator as WebAssembly.ModuleImports };
  for (const [name, fields] of Object.entries(imports)) {
    const given = fields as WebAssembly.ModuleImports;
    linked[name] = check ? checkedImports(given, check) : given;
  }
  linked[memModule] = { ...linked[memModule], [memName]: memory };

  // A program too large for its memory's first pages: grow the memory and link again. (Only a
  // Module, whose limits cannot be read here, can need this.)
  let instance: WebAssembly.Instance;
  for (;;) {
    try {
      instance = await WebAssembly.instantiate(module, linked);
      break;
    } catch (e) {
      if (!(e instanceof WebAssembly.LinkError) || !/memory/i.test(e.message) ||
          memory.buffer.byteLength >= maximum * 65536) throw e;
      memory.grow(Math.min(memory.buffer.byteLength / 65536, maximum - memory.buffer.byteLength / 65536));
    }
  }
  const heapBase = (instance.exports.__heap_base as WebAssembly.Global).value as number;
  placeHeap(core, "linkProgram", { ...resolved, heapBase }, 0);
  return { instance: { exports: { ...instance.exports, memory } }, heap, memory };
}

/** `fields` with every function wrapped to run `check` first. */
function checkedImports(fields: WebAssembly.ModuleImports, check: () => void): WebAssembly.ModuleImports {
  const out: WebAssembly.ModuleImports = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = typeof value === "function"
      ? (...args: unknown[]) => {
        check();
        return (value as (...a: unknown[]) => unknown)(...args);
      }
      : value;
  }
  return out;
}

/** Reads an unsigned LEB128 at `at.pos`, moving it past. */
function leb(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (at.pos >= bytes.length) throw new TypeError("linkProgram: the program's bytes end inside a number");
    const byte = bytes[at.pos++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7;
  }
}

/** The memory that a module's bytes import, with its limits, from the import section; or undefined. */
export function memoryImport(bytes: Uint8Array): MemoryImport | undefined {
  const at = { pos: 8 };                    // past the magic number and the version
  const text = (): string => {
    const n = leb(bytes, at);
    const s = new TextDecoder().decode(bytes.subarray(at.pos, at.pos + n));
    at.pos += n;
    return s;
  };
  const limits = (): { initial: number; maximum: number | undefined; shared: boolean } => {
    const flags = bytes[at.pos++];
    const initial = leb(bytes, at);
    const maximum = (flags & 1) !== 0 ? leb(bytes, at) : undefined;
    return { initial, maximum, shared: (flags & 2) !== 0 };
  };
  while (at.pos < bytes.length) {
    const id = bytes[at.pos++];
    const size = leb(bytes, at);
    const end = at.pos + size;
    if (id === 2) {
      const count = leb(bytes, at);
      for (let i = 0; i < count; i++) {
        const module = text();
        const name = text();
        const kind = bytes[at.pos++];
        if (kind === 0) leb(bytes, at);                       // a function: its type
        else if (kind === 1) { at.pos++; limits(); }          // a table: its element type and limits
        else if (kind === 2) return { module, name, ...limits() };
        else if (kind === 3) at.pos += 2;                     // a global: its type and mutability
        else if (kind === 4) { at.pos++; leb(bytes, at); }    // a tag: its attribute and type
        else return undefined;
      }
      return undefined;
    }
    at.pos = end;
  }
  return undefined;
}
