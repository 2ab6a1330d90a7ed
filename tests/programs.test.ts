// Real C programs on wasmalloc (issue 14): cfrac and espresso from ../shared/programs, built by
// Debian's clang with c/wasmalloc.c and run through linkProgram, against the same programs on
// wasi-libc's dlmalloc; the security suite on the release and the debug heap; and linkProgram's
// refusals. A clone without ../shared or clang skips this with a message; CI installs clang and
// must run it.
import { readFileSync } from "node:fs";
import wabtInit from "wabt";
import { beforeAll, describe, expect, it } from "vitest";
import { HeapError, linkProgram } from "../src/index.js";
// @ts-expect-error: a plain JS module without types
import * as programs from "../scripts/programs.mjs";

const { CFRAC_ARG, CFRAC_OUTPUT, MUST_STOP, buildAll, runProgram, surveySecurity, unavailable, wasmPath } = programs as {
  CFRAC_ARG: string;
  CFRAC_OUTPUT: string;
  MUST_STOP: Record<"release" | "debug", string[]>;
  buildAll(): Promise<number>;
  runProgram(name: string, allocator: string, args?: string[], options?: object): Promise<Run>;
  surveySecurity(): Promise<Survey[]>;
  unavailable(): Promise<string | null>;
  wasmPath(name: string, allocator: string): string;
};
interface Run {
  exitCode: number | undefined;
  error: unknown;
  stdout: string;
  check: unknown;
  stats: { peakUsedBytes: number } | undefined;
}
interface Survey { program: string; build: string; heap: "dlmalloc" | "release" | "debug"; outcome: string; why: string }

const why = await unavailable();
const inCI = process.env.CI === "true";
if (why && !inCI) console.warn(`skipping the C program tests: ${why}`);

describe.skipIf(why !== null && !inCI)("C programs built by clang", () => {
  beforeAll(async () => {
    if (why) throw new Error(`CI must be able to build the C programs: ${why}`);
    await buildAll();
  }, 600_000);

  it("cfrac prints the same factorisation on dlmalloc and on wasmalloc, and leaves a sound heap", async () => {
    const mine = await runProgram("cfrac", "wasmalloc", [CFRAC_ARG]);
    const theirs = await runProgram("cfrac", "dlmalloc", [CFRAC_ARG]);
    expect(theirs.stdout.trim()).toBe(CFRAC_OUTPUT);
    expect(mine.error).toBeUndefined();
    expect(mine.exitCode).toBe(0);
    expect(mine.stdout).toBe(theirs.stdout);
    expect(mine.check).toBeNull();
    expect(mine.stats!.peakUsedBytes).toBeGreaterThan(0);
  }, 120_000);

  it("espresso finishes on wasmalloc as on dlmalloc, and leaves a sound heap", async () => {
    const input = `${programs.PROGRAMS}/espresso/largest.espresso`;
    const mine = await runProgram("espresso", "wasmalloc", [input]);
    expect(mine.error).toBeUndefined();
    expect(mine.exitCode).toBe(0);
    expect(mine.check).toBeNull();
  }, 120_000);

  it("the security suite: the release heap stops every double and invalid free, the debug heap every overflow, underflow and write after free too", async () => {
    const results = await surveySecurity();
    const count = (heap: string, outcome: string): number => results.filter((r) => r.heap === heap && r.outcome === outcome).length;
    for (const heap of ["dlmalloc", "release", "debug"]) {
      console.log(`security suite on ${heap}: ${count(heap, "stopped")} stopped, ${count(heap, "not-caught")} NOT_CAUGHT, ${count(heap, "other")} other, of ${results.filter((r) => r.heap === heap).length}`);
    }
    for (const heap of ["release", "debug"] as const) {
      const missed = results.filter((r) => r.heap === heap && MUST_STOP[heap].some((k) => r.program.startsWith(k)) && r.outcome !== "stopped");
      expect(missed.map((r) => `${r.build}: ${r.outcome} (${r.why})`), heap).toEqual([]);
    }
    // A double free names the call and the pointer.
    const df = results.find((r) => r.heap === "release" && r.build === "double_free_8")!;
    expect(df.why).toMatch(/^free\(\d+ \(0x[0-9a-f]+\)\): the block at this address is already free/);
    // Whatever the misuse, the release heap stops at least what dlmalloc stops.
    expect(count("release", "stopped")).toBeGreaterThanOrEqual(count("dlmalloc", "stopped"));
  }, 600_000);

  it("a program that needs no WASI: linkProgram with no imports, and a double free stopped or, built not to trap, returned", async () => {
    const { instance, heap } = await linkProgram(readFileSync(wasmPath("list", "wasmalloc")));
    const run = instance.exports.run as (n: number) => number;
    expect(run(1000)).toBe(249_500 + 2000);   // the even values below 1000, and 1000 twos
    expect(heap.stats().usedBlocks).toBe(0);
    expect(heap.check()).toBeNull();
    let caught: unknown;
    try {
      (instance.exports.misuse as () => number)();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HeapError);
    expect((caught as HeapError).code).toBe("double-free");
    expect(heap.check()).toBeNull();

    const quiet = await linkProgram(readFileSync(wasmPath("list-notrap", "wasmalloc")));
    expect((quiet.instance.exports.misuse as () => number)()).toBe(1);   // WASMALLOC_DOUBLE_FREE
    expect(quiet.heap.check()).toBeNull();
  });

  it("the debug heap under a program: an overflow stops the program at its free", async () => {
    const r = await runProgram("one_byte_overflow_8", "wasmalloc", [], { debug: true });
    // (runProgram loads the built package, whose HeapError is not the class these tests import.)
    expect((r.error as HeapError).name).toBe("HeapError");
    expect((r.error as HeapError).code).toBe("heap-overflow");
    expect(String((r.error as Error).message)).toMatch(/heap-overflow: .* written 1 byte past its end/);
    expect(r.stdout).not.toMatch(/NOT_CAUGHT/);
  });

  it("refuses what it cannot link, saying how to build it", async () => {
    const listBuild = readFileSync(wasmPath("list", "wasmalloc"));
    await expect(linkProgram(readFileSync(wasmPath("cfrac", "dlmalloc")))).rejects.toThrow(/-Wl,--import-memory/);
    const wabt = await wabtInit();
    const noBase = wabt.parseWat("nobase.wat", '(module (import "env" "memory" (memory 1)))').toBinary({}).buffer;
    await expect(linkProgram(noBase)).rejects.toThrow(/-Wl,--export=__heap_base/);
    await expect(linkProgram(listBuild, { wasmalloc: {} })).rejects.toThrow(/already has "wasmalloc"/);
    await expect(linkProgram(listBuild, null as unknown as WebAssembly.Imports)).rejects.toThrow(/imports must be an object/);
    await expect(linkProgram("list.wasm" as unknown as BufferSource)).rejects.toThrow(/WebAssembly.Module or the bytes/);
    for (const key of ["memory", "heapBase", "shared", "cache"]) {
      await expect(linkProgram(listBuild, {}, { [key]: 1 } as object)).rejects.toThrow(/does not apply/);
    }
    await expect(linkProgram(listBuild, {}, { policy: "worst-fit" as "first-fit" })).rejects.toThrow(RangeError);
    // A compiled Module works as well as bytes.
    const { instance } = await linkProgram(await WebAssembly.compile(listBuild));
    expect((instance.exports.run as (n: number) => number)(10)).toBe(20 + 20);
  });
});
