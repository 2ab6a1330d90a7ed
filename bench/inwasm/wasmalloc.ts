// A trace replayed inside wasm by wasmalloc (the default policy), through its AssemblyScript entry
// (`wasmalloc/assembly`, here by path), with no JS call per operation. The loop has the shape of
// the peers' own `replay` export (../shared/peers): `ops` holds `count` triples of i32 (kind: 0
// malloc, 1 free, 2 realloc; id; size) and `ptrs` one pointer per id. Built by npm run
// build:peers; driven by bench/real.mjs. tlsf.ts beside it is the same loop over TLSF.
import { free, heap_stat, malloc, realloc } from "../../assembly/index";

/** Memory for the trace and the pointer table, from the allocator under test. */
export function alloc(bytes: usize): usize {
  return malloc(bytes);
}

/** Replays `count` records. */
export function replay(ops: usize, count: i32, ptrs: usize): void {
  for (let i = 0; i < count; i++) {
    const at = ops + <usize>i * 12;
    const slot = ptrs + (<usize>load<u32>(at, 4) << 2);
    const kind = load<u32>(at);
    if (kind == 0) store<u32>(slot, <u32>malloc(<usize>load<u32>(at, 8)));
    else if (kind == 1) free(<usize>load<u32>(slot));
    else store<u32>(slot, <u32>realloc(<usize>load<u32>(slot), <usize>load<u32>(at, 8)));
  }
}

/** The heap's extent. */
export function extent(): f64 {
  return heap_stat(0);
}
