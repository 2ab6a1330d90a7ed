// The raw wasm exports, as an AssemblyScript or other wasm host sees them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const wasm = readFileSync(new URL("../build/wasmalloc.wasm", import.meta.url));

async function raw() {
  const { instance } = await WebAssembly.instantiate(wasm, { env: { abort() { throw new Error("abort"); } } });
  return instance.exports as Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };
}

describe("the core's exports", () => {
  it("needs no init call: the first malloc sets the heap up", async () => {
    const core = await raw();
    expect(core.memory.buffer.byteLength).toBeLessThanOrEqual(65536);
    const p = core.malloc(24);
    expect(p).toBeGreaterThan(0);
    expect(p % 8).toBe(0);
    expect(core.free(p)).toBe(0);
    expect(core.heap_check()).toBe(0);
  });

  it("read-only calls before set-up report an empty heap and do not set it up", async () => {
    const core = await raw();
    expect(core.heap_check()).toBe(0);
    expect(core.heap_last_error()).toBe(0);
    expect(core.heap_stat(0)).toBe(0);
    expect(core.heap_configure(2, 1, 2, 100)).toBe(0);      // still free to configure
    expect(core.heap_stat(2)).toBe(2 * 65536);
  });

  it("heap_configure refuses bad values without trapping, even on 0 pages, and only once", async () => {
    const core = await raw();
    expect(core.heap_configure(4, 0, 1, 10)).toBe(5);        // no policy 4
    expect(core.heap_configure(0, 2, 1, 10)).toBe(5);        // no coalescing mode 2
    expect(core.heap_configure(0, 0, 11, 10)).toBe(5);       // initial above maximum
    expect(core.heap_configure(0, 0, 1, 0)).toBe(5);
    expect(core.heap_configure(0, 0, 1, 65537)).toBe(5);
    expect(core.heap_configure(0, 0, 1, 10)).toBe(0);
    expect(core.heap_configure(0, 0, 1, 10)).toBe(5);        // already set up
  });

  it("free returns its error code, and the others leave it in heap_last_error", async () => {
    const core = await raw();
    const p = core.malloc(40);
    core.malloc(40);
    expect(core.free(p + 8)).toBe(2);
    expect(core.free(p)).toBe(0);
    expect(core.free(p)).toBe(1);
    expect(core.realloc(p, 10)).toBe(0);
    expect(core.heap_last_error()).toBe(1);
    expect(core.heap_error_address() >>> 0).toBe(p);
    expect(core.alignedAlloc(24, 8)).toBe(0);
    expect(core.heap_last_error()).toBe(4);
    expect(core.malloc(-1)).toBe(0);                          // 2^32 - 1 as u32
    expect(core.heap_last_error()).toBe(3);
    expect(core.heap_check()).toBe(0);
  });

  it("heap_stat has exactly the statistics the TS list names", async () => {
    const { STAT_FIELDS } = await import("../src/stats.js");
    const core = await raw();
    core.malloc(8);
    for (let i = 0; i < STAT_FIELDS.length; i++) expect(Number.isNaN(core.heap_stat(i))).toBe(false);
    expect(Number.isNaN(core.heap_stat(STAT_FIELDS.length))).toBe(true);
  });
});

describe("the shared build's pool and arena exports", () => {
  it("leave their refusals in this instance's heap_last_error, as the heap's own calls do", async () => {
    const module = await WebAssembly.compile(readFileSync(new URL("../build/wasmalloc.shared.wasm", import.meta.url)));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true });
    const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort() { throw new Error("abort"); } } });
    const core = exports as Record<string, (...args: number[]) => number>;
    const pool = core.pool_create(24);
    const slot = core.pool_alloc(pool);
    expect(core.heap_last_error()).toBe(0);
    expect(core.pool_free(pool, slot + 8)).toBe(2);          // INVALID_POINTER: not a slot
    expect(core.heap_last_error()).toBe(2);
    expect(core.heap_error_address()).toBe(slot + 8);
    expect(core.pool_free(pool, slot)).toBe(0);
    expect(core.pool_free(pool, slot)).toBe(1);              // DOUBLE_FREE
    expect(core.heap_last_error()).toBe(1);
    expect(core.arena_reset(slot)).toBe(2);                  // not an arena
    expect(core.heap_last_error()).toBe(2);
    expect(core.heap_check()).toBe(0);
  });
});
