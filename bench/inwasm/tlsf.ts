// The same replay loop as wasmalloc.ts, over AssemblyScript's TLSF (heap.alloc/realloc/free,
// --runtime minimal -O3 --noAssert). Only the calling convention is adapted: realloc(0, n) is
// heap.alloc(n), and free(0) does nothing, as C's do.

/** Memory for the trace and the pointer table, from the allocator under test. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Replays `count` records: kind 0 malloc, 1 free, 2 realloc; id; size. */
export function replay(ops: usize, count: i32, ptrs: usize): void {
  for (let i = 0; i < count; i++) {
    const at = ops + <usize>i * 12;
    const slot = ptrs + (<usize>load<u32>(at, 4) << 2);
    const kind = load<u32>(at);
    if (kind == 0) store<u32>(slot, <u32>heap.alloc(<usize>load<u32>(at, 8)));
    else if (kind == 1) {
      const p = <usize>load<u32>(slot);
      if (p != 0) heap.free(p);
    } else {
      const p = <usize>load<u32>(slot);
      store<u32>(slot, <u32>(p == 0 ? heap.alloc(<usize>load<u32>(at, 8)) : heap.realloc(p, <usize>load<u32>(at, 8))));
    }
  }
}
