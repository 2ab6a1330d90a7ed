// The chapter's heap bugs again, committed by an AssemblyScript program that uses the allocator
// (tests/fixtures/chapter-bugs.ts), compiled here against the debug heap and the release heap.
import asc from "assemblyscript/asc";
import { beforeAll, describe, expect, it } from "vitest";
import type { DebugHeap } from "../src/index.js";
import { heapFromExports } from "../src/heap.js";
import type { CoreExports } from "../src/loader.js";

type Program = CoreExports & Record<string, (...args: number[]) => number>;

async function compile(debug: boolean): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main([
    "tests/fixtures/chapter-bugs.ts", "--runtime", "stub", "-O3", "--noAssert", "--outFile", "program.wasm",
    ...(debug ? ["--use", "WASMALLOC_DEBUG=1"] : []),
  ], {
    writeFile(name: string, contents: Uint8Array | string) {
      if (name.endsWith(".wasm")) binary = contents as Uint8Array;
    },
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  return binary!;
}

async function instantiate(binary: Uint8Array): Promise<Program> {
  const { instance } = await WebAssembly.instantiate(binary, { env: { abort() { throw new Error("abort"); } } });
  return instance.exports as unknown as Program;
}

const DOUBLE_FREE = 1;
const INVALID_POINTER = 2;
const HEAP_OVERFLOW = 7;

describe("an AssemblyScript program using the debug heap", () => {
  let binary: Uint8Array;
  beforeAll(async () => { binary = await compile(true); }, 120_000);

  it("imports nothing but env.abort", async () => {
    const imports = WebAssembly.Module.imports(await WebAssembly.compile(binary));
    expect(imports.every((i) => i.module === "env" && i.name === "abort")).toBe(true);
  });

  it("§3.7.4 an uninitialised read sees the new-block fill", async () => {
    const program = await instantiate(binary);
    expect(program.uninitialisedRead() >>> 0).toBe(0xD0D0D0D0);
  });

  it("§3.7.5 a write after free: heap_check answers 16, and the host reads the report", async () => {
    const program = await instantiate(binary);
    expect(program.useAfterFree()).toBe(16);
    const v = heapFromExports(program, { debug: true }).check();
    expect(v).toMatchObject({ code: "use-after-free", invariant: 16 });
    expect(v!.message).toMatch(/^use-after-free: block \d+ \(0x[0-9a-f]+\) \(32 bytes\) was written at offset 4 after it was freed/);
  });

  it("§3.7.6 the i <= n loop: free answers HEAP_OVERFLOW and the heap is intact", async () => {
    const program = await instantiate(binary);
    expect(program.offByOne()).toBe(HEAP_OVERFLOW);
    expect(program.heap_error_info(1)).toBe(30);   // the block's size
    expect(program.heap_error_info(2)).toBe(30);   // the farthest byte written: one past the end
    const v = heapFromExports(program, { debug: true }).check();
    expect(v).toMatchObject({ code: "heap-overflow", invariant: 15 });
    expect(v!.message).toMatch(/\(30 bytes\) was written 1 byte past its end/);
  });

  it("§3.7.8 leaks: the host lists what the program left", async () => {
    const program = await instantiate(binary);
    program.leak();
    const heap = heapFromExports(program, { debug: true }) as DebugHeap;
    expect(heap.leaks().map(({ size, seq }) => ({ size, seq }))).toEqual([{ size: 64, seq: 1 }, { size: 100, seq: 3 }]);
  });

  it("double free and invalid free come back as codes, and change nothing", async () => {
    const program = await instantiate(binary);
    expect(program.doubleFree()).toBe(DOUBLE_FREE);
    expect(program.invalidFree()).toBe(INVALID_POINTER);
    expect(program.reallocAfterFree()).toBe(DOUBLE_FREE);
    expect(program.heap_check()).toBe(0);
  });
});

describe("the same program on the release heap", () => {
  let binary: Uint8Array;
  beforeAll(async () => { binary = await compile(false); }, 120_000);

  it("still refuses double and invalid frees, exactly, with no debug build", async () => {
    const program = await instantiate(binary);
    expect(program.doubleFree()).toBe(DOUBLE_FREE);
    expect(program.invalidFree()).toBe(INVALID_POINTER);
    expect(program.reallocAfterFree()).toBe(DOUBLE_FREE);
    expect(program.heap_check()).toBe(0);
  });

  it("does not see an overflow or a use after free: those need the debug heap", async () => {
    const program = await instantiate(binary);
    expect(program.offByOne()).toBe(0);      // the byte past 30 lands in the block's slack
    expect(program.heap_check()).toBe(0);
  });
});
