// The replay loop of wasmalloc.ts with no allocator: memory for the trace from a bump pointer,
// and each operation a store of its size. bench/instructions.mjs subtracts what this loop costs,
// so that what remains is the allocators' own work.

/** The next free byte. */
let top: usize = __heap_base;

/** Memory for the trace and the pointer table. */
export function alloc(bytes: usize): usize {
  const p = (top + 7) & ~7;
  top = p + bytes;
  const pages = <i32>((top + 0xFFFF) >> 16) - memory.size();
  if (pages > 0 && memory.grow(pages) < 0) unreachable();
  return p;
}

/** Replays `count` records, storing instead of allocating. */
export function replay(ops: usize, count: i32, ptrs: usize): void {
  for (let i = 0; i < count; i++) {
    const at = ops + <usize>i * 12;
    const slot = ptrs + (<usize>load<u32>(at, 4) << 2);
    const kind = load<u32>(at);
    if (kind == 0) store<u32>(slot, load<u32>(at, 8));
    else if (kind == 1) store<u32>(slot, 0);
    else store<u32>(slot, load<u32>(at, 8) + 1);
  }
}
