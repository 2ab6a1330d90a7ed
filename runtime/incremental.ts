// AssemblyScript's incremental collector (itcms, the default `--runtime incremental`) on
// wasmalloc's heap:
//
//   asc app.ts --runtime ./node_modules/wasmalloc/runtime/incremental
//
// itcms clears every object it makes, so blocks are handed to it as malloc gives them.
import { allocate, reallocate, release } from "./memory";

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  return allocate(size, false);
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  return reallocate(ptr, size, false);
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  release(ptr);
}

import "~lib/rt/itcms";
