// The one module that knows how the core is instantiated. It uses @assemblyscript/loader, as the
// project asks; nothing else in src/ imports the loader.

import { instantiate } from "@assemblyscript/loader";
import { HeapError } from "./errors.js";
import type { WasmMemory, WasmModule } from "./wasm-types.js";

/** The raw exports of assembly/index.ts. Pointers and sizes are u32, returned as i32. */
export interface CoreExports {
  readonly memory: WasmMemory;
  malloc(size: number): number;
  free(ptr: number): number;
  calloc(count: number, size: number): number;
  realloc(ptr: number, size: number): number;
  alignedAlloc(alignment: number, size: number): number;
  usableSize(ptr: number): number;
  heap_configure(policy: number, coalesce: number, initialPages: number, maximumPages: number): number;
  heap_place(base: number, fresh: number): number;
  heap_check(): number;
  heap_check_address(): number;
  heap_last_error(): number;
  heap_error_address(): number;
  heap_stat(index: number): number;
  heap_error_info(index: number): number;
  heap_debug_next(block: number): number;
  heap_walk(block: number): number;
  heap_block_kind(block: number): number;
  pool_create(size: number): number;
  pool_alloc(handle: number): number;
  pool_free(handle: number, ptr: number): number;
  pool_stat(handle: number, index: number): number;
  pool_destroy(handle: number): number;
  arena_create(): number;
  arena_alloc(handle: number, size: number): number;
  arena_reset(handle: number): number;
  arena_release(handle: number): number;
  arena_stat(handle: number, index: number): number;
  heap_set_can_wait(on: number): void;
  heap_set_cache(on: number): void;
  heap_detach(): void;
}

/**
 * Which build: the release core, the debug heap (assembly/debug.ts), the shared heap, or either
 * of the first two for memory that someone else owns (imported, placed with heap_place).
 */
export type CoreBuild = "release" | "debug" | "shared" | "foreign" | "foreign-debug";

/** Every build, for the sources that must know them all. */
export const CORE_BUILDS: readonly CoreBuild[] = ["release", "debug", "shared", "foreign", "foreign-debug"];

const compiled: Partial<Record<CoreBuild, Promise<WasmModule>>> = {};

/** Where a build's compiled module comes from. */
export type WasmSource = (build: CoreBuild) => Promise<WasmModule>;

/**
 * The default source: the builds embedded as base64 (src/generated/wasm.ts), imported only when
 * first needed. The specifier is computed, so that bundlers do not follow it: the browser entry
 * fetches the .wasm files instead, and a bundle of it must not carry base64 copies of them.
 */
const embedded: WasmSource = async (build) => {
  const url = new URL(["./generated", "wasm.js"].join("/"), import.meta.url).href;
  const wasm = (await import(/* @vite-ignore */ url)) as typeof import("./generated/wasm.js");
  const text = {
    release: wasm.CORE_WASM_BASE64, debug: wasm.DEBUG_WASM_BASE64, shared: wasm.SHARED_WASM_BASE64,
    foreign: wasm.FOREIGN_WASM_BASE64, "foreign-debug": wasm.FOREIGN_DEBUG_WASM_BASE64,
  }[build];
  return WebAssembly.compile(decodeBase64(text));
};
let source: WasmSource = embedded;

/** Replaces where compiled modules come from (the browser entry fetches them). Call before createHeap. */
export function setWasmSource(next: WasmSource): void {
  source = next;
  for (const build of CORE_BUILDS) delete compiled[build];
}

/** Decodes base64 with atob, which Node 16+ and every browser have. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A compiled build, compiled once per process (or page) and shared by every heap. */
export function coreModule(build: CoreBuild = "release"): Promise<WasmModule> {
  return (compiled[build] ??= source(build));
}

/** Reads an AssemblyScript string literal: UTF-16 code units, its byte length in the word before it. */
function readString(memory: WasmMemory, ptr: number): string {
  if (ptr === 0) return "";
  const bytes = new DataView(memory.buffer).getUint32(ptr - 4, true);
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
}

/**
 * A fresh instance of the core, with its own memory, or for the shared and foreign builds on
 * `memory` (which they import), from `module` when given. The core aborts only on an overwritten
 * state (the foreign build, which imports nothing else, traps).
 */
export async function instantiateCore(build: CoreBuild = "release", memory?: WasmMemory,
  module?: WasmModule): Promise<CoreExports> {
  let exports: CoreExports | undefined;
  const abort = (msg: number, file: number, line: number, column: number): never => {
    const text = exports ? `${readString(exports.memory, msg)} (${readString(exports.memory, file)}:${line}:${column})` : "abort";
    throw new HeapError("heap-corrupt", text);
  };
  const env: Record<string, unknown> = { abort };
  if (memory) env.memory = memory;
  const { instance } = await instantiate(module ?? await coreModule(build), { env });
  // The shared and foreign builds import their memory instead of exporting it: put it where the rest expects it.
  exports = (memory ? { ...instance.exports, memory } : instance.exports) as unknown as CoreExports;
  return exports;
}
