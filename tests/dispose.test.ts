// One word for "this object is done": dispose(), which `using` calls through [Symbol.dispose].
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { withConsumer } from "./helpers.js";

const disposed = (message: string) => expect.objectContaining({ code: "disposed", message });

describe("dispose", () => {
  it.each([false, true])("ends a heap (debug %s): every call throws disposed, on it and its pools; a second dispose does nothing", async (debug) => {
    const heap = await createHeap({ debug });
    const p = heap.malloc(100);
    const pool = heap.fixedPool(24);
    const arena = heap.arena();
    heap.dispose();
    expect(() => heap.malloc(8)).toThrow(disposed("malloc(): the heap was disposed"));
    expect(() => heap.free(p)).toThrow(disposed("free(): the heap was disposed"));
    // Arguments that fail their own checks are refused as disposed too (a size too large for
    // 32 bits would otherwise return 0, and a bad pointer throw its own error).
    expect(() => heap.malloc(2 ** 40)).toThrow(disposed("malloc(): the heap was disposed"));
    expect(() => heap.malloc(-1)).toThrow(disposed("malloc(): the heap was disposed"));
    expect(() => heap.free(-8)).toThrow(disposed("free(): the heap was disposed"));
    expect(() => heap.free(0)).toThrow(disposed("free(): the heap was disposed"));
    for (const [name, call] of Object.entries({
      calloc: () => heap.calloc(1, 8), realloc: () => heap.realloc(p, 8), alignedAlloc: () => heap.alignedAlloc(16, 8),
      usableSize: () => heap.usableSize(p), stats: () => heap.stats(), check: () => heap.check(), blocks: () => heap.blocks(),
      fixedPool: () => heap.fixedPool(8), arena: () => heap.arena(), allocArray: () => heap.allocArray(Uint8Array, 4),
    })) {
      expect(call, name).toThrow(disposed(`${name}(): the heap was disposed`));
    }
    expect(() => pool.alloc()).toThrow(disposed("pool.alloc(): the heap was disposed"));
    expect(() => arena.alloc(8)).toThrow(disposed("arena.alloc(): the heap was disposed"));
    pool.dispose();                                      // its heap went first: nothing to do
    arena[Symbol.dispose]();
    heap.dispose();
    heap[Symbol.dispose]();
  });

  it("a typed array's [Symbol.dispose] frees it, once: after free() it does nothing", async () => {
    const heap = await createHeap();
    const a = heap.allocArray(Float64Array, 10);
    const b = heap.allocArray(Int32Array, 10);
    expect(heap.stats().usedBlocks).toBe(2);
    a[Symbol.dispose]();
    expect(heap.stats().usedBlocks).toBe(1);
    b.free();
    b[Symbol.dispose]();
    expect(() => b.free()).toThrow(expect.objectContaining({ code: "double-free" }));
    expect(heap.stats().usedBlocks).toBe(0);
    expect(heap.check()).toBeNull();
  });

  it("`using` works from TypeScript: heaps, arrays, pools and arenas are disposed at the end of their scope", () => {
    withConsumer({ strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", types: ["node"], lib: ["es2022"], outDir: "out" }, `
import { createHeap, type Heap } from "wasmalloc";
const heap = await createHeap();
let inside = 0;
{
  using a = heap.allocArray(Float64Array, 100);
  using pool = heap.fixedPool(24);
  using arena = heap.arena();
  a.view[0] = pool.alloc() + arena.alloc(40);
  inside = heap.stats().usedBlocks;
}
const after = heap.stats().usedBlocks;
let kept: Heap;
{
  using scoped = await createHeap();
  kept = scoped;
  scoped.malloc(10);
}
let code = "";
try { kept.malloc(10); } catch (e) { code = (e as { code: string }).code; }
console.log(JSON.stringify({ inside, after, code, check: heap.check() }));
`, (project) => {
      expect(readFileSync(join(project, "out", "main.js"), "utf8")).toContain("Symbol.dispose");
      const out = JSON.parse(execFileSync(process.execPath, [join(project, "out", "main.js")], { cwd: project, encoding: "utf8" }));
      expect(out.inside).toBeGreaterThanOrEqual(5);      // the array, the pool's and arena's descriptors and chunks
      expect(out).toMatchObject({ after: 0, code: "disposed", check: null });
    });
  });
});
