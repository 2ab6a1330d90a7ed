// The peer: AssemblyScript's own TLSF (std/assembly/rt/tlsf.ts), reached through heap.alloc,
// heap.realloc and heap.free, compiled from the installed assemblyscript package with
// --runtime minimal -O3 --noAssert (npm run build:peers). Only the calling convention is adapted:
// heap.realloc(0, n) is not malloc in TLSF (it aborts in debug builds), and free(0) is a no-op
// in C, so both are handled here.

export function malloc(size: usize): usize {
  return heap.alloc(size);
}

export function free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}

export function realloc(ptr: usize, size: usize): usize {
  return ptr == 0 ? heap.alloc(size) : heap.realloc(ptr, size);
}

/** calloc, which TLSF's heap API lacks: heap.alloc, then memory.fill, both in wasm. */
export function calloc(count: usize, size: usize): usize {
  const n = <u64>count * <u64>size;
  if (n > 0xFFFF_0000) return 0;
  const p = heap.alloc(<usize>n);
  memory.fill(p, 0, <usize>n);
  return p;
}
