// The one module that knows how the core is instantiated. It uses @assemblyscript/loader, as the
// project asks; nothing else in src/ imports the loader.

import { instantiate } from "@assemblyscript/loader";
import { CORE_WASM_BASE64 } from "./generated/wasm.js";

/** The raw exports of assembly/index.ts. Pointers and sizes are u32, returned as i32. */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): number;
  calloc(count: number, size: number): number;
  realloc(ptr: number, size: number): number;
  alignedAlloc(alignment: number, size: number): number;
  usableSize(ptr: number): number;
  heap_configure(policy: number, coalesce: number, initialPages: number, maximumPages: number): number;
  heap_check(): number;
  heap_check_address(): number;
  heap_last_error(): number;
  heap_error_address(): number;
  heap_stat(index: number): number;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** Decodes base64 with atob, which Node 16+ and every browser have. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled core, compiled once per process (or page) and shared by every heap. */
export function coreModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(decodeBase64(CORE_WASM_BASE64));
  return compiled;
}

/** A fresh instance of the core, with its own memory. */
export async function instantiateCore(): Promise<CoreExports> {
  const { instance } = await instantiate(await coreModule(), {});
  return instance.exports as unknown as CoreExports;
}
