// A Malloc Lab trace replayed inside wasm by wasmalloc (the default policy), with no JS call per
// operation. The trace is 12-byte records (kind, id, size) at `ops`; `ptrs` holds a word per id.
// Built by npm run build:peers; driven by bench/inwasm.mjs. tlsf.ts beside it is the same loop.
import { free, heap_stat, malloc, realloc } from "../../assembly/index";

/** Memory for the trace and the pointer table, from the allocator under test. */
export function buffer(bytes: usize): usize {
  return malloc(bytes);
}

/** Replays `count` records. */
export function replay(ops: usize, count: i32, ptrs: usize): void {
  for (let i = 0; i < count; i++) {
    const at = ops + <usize>i * 12;
    const slot = ptrs + (<usize>load<u32>(at, 4) << 2);
    const kind = load<u32>(at);
    if (kind == 0) store<u32>(slot, <u32>malloc(<usize>load<u32>(at, 8)));
    else if (kind == 2) free(<usize>load<u32>(slot));
    else store<u32>(slot, <u32>realloc(<usize>load<u32>(slot), <usize>load<u32>(at, 8)));
  }
}

/** The heap's extent. */
export function extent(): f64 {
  return heap_stat(0);
}
