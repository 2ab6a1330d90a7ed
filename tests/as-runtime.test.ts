// AssemblyScript programs on wasmalloc's runtime (runtime/incremental.ts, runtime/minimal.ts):
// compiled from a clean project with the README's one flag, they give the same output as on
// AssemblyScript's own runtime, collect their garbage, and leave a heap that checks clean.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const fixtures = join(root, "tests", "fixtures", "as-runtime");

/** A project with wasmalloc installed as the package ships it ("files": assembly/ and runtime/). */
let project = "";
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "wasmalloc-as-"));
  const pkg = join(project, "node_modules", "wasmalloc");
  mkdirSync(pkg, { recursive: true });
  for (const dir of ["assembly", "runtime"]) cpSync(join(root, dir), join(pkg, dir), { recursive: true });
  cpSync(join(root, "package.json"), join(pkg, "package.json"));
  symlinkSync(join(root, "node_modules", "assemblyscript"), join(project, "node_modules", "assemblyscript"), "dir");
  cpSync(fixtures, project, { recursive: true });
});
afterAll(() => { if (project) rmSync(project, { recursive: true, force: true }); });

/** Compiles `entry` in the project with asc and `flags`; returns the module. */
function compile(entry: string, flags: string[]): WebAssembly.Module {
  const out = join(project, `${entry}-${flags.join("_").replace(/[^a-z]/gi, "")}.wasm`);
  execFileSync(process.execPath, [join(project, "node_modules", "assemblyscript", "bin", "asc.js"), entry, ...flags, "-O3", "--exportRuntime", "-o", out], { cwd: project, stdio: "pipe" });
  return new WebAssembly.Module(readFileSync(out));
}

type Program = {
  memory: WebAssembly.Memory;
  run(): number;
  churn(rounds: number): number;
  mixed?(): number;
  heap_check?(): number;
  heap_stat?(i: number): number;
  __collect(): void;
};

function instantiate(mod: WebAssembly.Module): Program {
  let exports!: Program;
  const abort = (msg: number) => { throw new Error(`abort: ${msg ? text(exports, msg) : "(no message)"}`); };
  exports = new WebAssembly.Instance(mod, { env: { abort, "console.log": () => {}, seed: () => 1 } }).exports as unknown as Program;
  return exports;
}

/** An AssemblyScript string at `ptr`: UTF-16, its byte length in the word before it. */
function text(p: Program, ptr: number): string {
  const bytes = new DataView(p.memory.buffer).getUint32(ptr - 4, true);
  return String.fromCharCode(...new Uint16Array(p.memory.buffer, ptr, bytes >>> 1));
}

const WASMALLOC = ["--runtime", "./node_modules/wasmalloc/runtime/incremental"];

describe("AssemblyScript's runtime on wasmalloc", () => {
  let tlsf: WebAssembly.Module;
  let ours: WebAssembly.Module;
  let oursMinimal: WebAssembly.Module;
  let oursDebug: WebAssembly.Module;
  beforeAll(() => {
    tlsf = compile("app.ts", ["--runtime", "incremental"]);
    ours = compile("mixed.ts", WASMALLOC);   // exactly the README's flag
    oursMinimal = compile("mixed.ts", ["--runtime", "./node_modules/wasmalloc/runtime/minimal"]);
    oursDebug = compile("mixed.ts", [...WASMALLOC, "--use", "WASMALLOC_DEBUG=1"]);
  }, 240_000);

  it("gives the same output as on AssemblyScript's own runtime (TLSF)", () => {
    const t = instantiate(tlsf);
    const expected = text(t, t.run());
    expect(expected).toMatch(/^\d+ \d+ /);
    for (const mod of [ours, oursMinimal, oursDebug]) {
      const p = instantiate(mod);
      expect(text(p, p.run())).toBe(expected);
      expect(p.heap_check!()).toBe(0);
    }
  });

  it("collects garbage: memory stays bounded while the program makes and drops 100 MB", () => {
    const t = instantiate(tlsf);
    const p = instantiate(ours);
    expect(p.churn(4000)).toBe(t.churn(4000));   // each round: a tree of 255 nodes and a string
    const used = p.heap_stat!(3);                // usedBytes, after the churn
    expect(p.memory.buffer.byteLength).toBeLessThan(4 * 1024 * 1024);
    p.__collect();
    expect(p.heap_stat!(3)).toBeLessThanOrEqual(used);
    expect(p.heap_check!()).toBe(0);
  });

  it("the minimal runtime collects when asked", () => {
    const p = instantiate(oursMinimal);
    p.churn(500);
    const before = p.heap_stat!(3);
    p.__collect();
    expect(p.heap_stat!(3)).toBeLessThan(before);
    expect(p.heap_check!()).toBe(0);
  });

  it("the heap checks clean after a collection, on the release and the debug heap", () => {
    for (const mod of [ours, oursDebug]) {
      const p = instantiate(mod);
      p.run();
      p.churn(50);
      p.__collect();
      expect(p.heap_check!()).toBe(0);
    }
  });

  it("wasmalloc's own malloc and free work beside the managed objects", () => {
    for (const mod of [ours, oursMinimal, oursDebug]) {
      const p = instantiate(mod);
      expect(p.mixed!()).toBe(0);
      p.__collect();
      expect(p.heap_check!()).toBe(0);
    }
  });
});
