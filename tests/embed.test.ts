// wasmalloc inside other wasm programs: an AssemblyScript project importing "wasmalloc/assembly",
// and a module written in WAT that imports the standalone build's memory, malloc and free.
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import asc from "assemblyscript/asc";
import wabtInit from "wabt";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

describe("an AssemblyScript project importing wasmalloc/assembly", () => {
  it("compiles with plain asc flags, needs no init call, and imports only env.abort", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmalloc-consumer-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(root, join(dir, "node_modules", "wasmalloc"), "dir");   // as npm install would
    writeFileSync(join(dir, "consumer.ts"), `
import { malloc, free, calloc, realloc } from "wasmalloc/assembly";

/** Builds an array of n i32 squares on the heap, grows it, and sums it. */
export function run(n: i32): i64 {
  let p = calloc(<usize>n, 4);
  for (let i = 0; i < n; i++) store<i32>(p + (<usize>i << 2), i * i);
  p = realloc(p, <usize>n * 8);
  let sum: i64 = 0;
  for (let i = 0; i < n; i++) sum += load<i32>(p + (<usize>i << 2));
  const scratch = malloc(100);
  free(scratch);
  free(p);
  return sum;
}
`);
    let binary: Uint8Array | undefined;
    const { error, stderr } = await asc.main(["consumer.ts", "--baseDir", dir, "--outFile", "consumer.wasm", "-O3"], {
      writeFile(name: string, contents: Uint8Array | string) { if (name.endsWith(".wasm")) binary = contents as Uint8Array; },
    });
    expect(error, stderr.toString()).toBeNull();
    const module = await WebAssembly.compile(binary!);
    expect(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).filter((i) => i !== "env.abort")).toEqual([]);
    const instance = await WebAssembly.instantiate(module, { env: { abort() { throw new Error("abort"); } } });
    const run = instance.exports.run as (n: number) => bigint;
    const n = 1000;
    expect(run(n)).toBe(BigInt((n - 1) * n * (2 * n - 1) / 6));
    expect(run(n)).toBe(BigInt((n - 1) * n * (2 * n - 1) / 6));   // and again, on the same heap
  });
});

describe("the standalone .wasm serving another module", () => {
  it("a WAT module builds a linked list through the imported malloc and free", async () => {
    const wabt = await wabtInit();
    const guest = wabt.parseWat("list.wat", `
(module
  (import "wasmalloc" "memory" (memory 1))
  (import "wasmalloc" "malloc" (func $malloc (param i32) (result i32)))
  (import "wasmalloc" "free" (func $free (param i32) (result i32)))
  ;; node: [value i32][next i32]
  (func (export "build") (param $n i32) (result i32)
    (local $head i32) (local $node i32) (local $i i32)
    (loop $more
      (local.set $node (call $malloc (i32.const 8)))
      (i32.store (local.get $node) (local.get $i))
      (i32.store offset=4 (local.get $node) (local.get $head))
      (local.set $head (local.get $node))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $head))
  (func (export "sumAndFree") (param $node i32) (result i32)
    (local $sum i32) (local $next i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $node)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $node))))
        (local.set $next (i32.load offset=4 (local.get $node)))
        (drop (call $free (local.get $node)))
        (local.set $node (local.get $next))
        (br $more)))
    (local.get $sum)))`);
    const { buffer } = guest.toBinary({});
    const allocator = await WebAssembly.instantiate(readFileSync(join(root, "build/wasmalloc.wasm")), {
      env: { abort() { throw new Error("abort"); } },
    });
    const a = allocator.instance.exports as Record<string, unknown>;
    const list = await WebAssembly.instantiate(buffer, { wasmalloc: { memory: a.memory, malloc: a.malloc, free: a.free } });
    const { build, sumAndFree } = list.instance.exports as Record<string, (x: number) => number>;
    const head = build(10_000);
    expect(head % 8).toBe(0);
    expect((a.heap_stat as (i: number) => number)(4)).toBe(10_000);   // usedBlocks
    expect(sumAndFree(head)).toBe((9_999 * 10_000) / 2);
    expect((a.heap_stat as (i: number) => number)(4)).toBe(0);
    expect((a.heap_check as () => number)()).toBe(0);
  });
});
