// AssemblyScript's two-colour collector, run by hand (tcms, `--runtime minimal`), on wasmalloc's
// heap:
//
//   asc app.ts --runtime ./node_modules/wasmalloc/runtime/minimal
//
// A runtime given by path is compiled as the incremental one (ASC_RUNTIME), and the standard
// library then leaves new buffers and grown arrays uncleared, trusting the collector to have
// cleared them. tcms does not, so this runtime's blocks are: calloc for a new block, and the
// part past the old contents for a resized one.
import { allocate, reallocate, release } from "./memory";

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  return allocate(size, true);
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  return reallocate(ptr, size, true);
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  release(ptr);
}

import "~lib/rt/tcms";
