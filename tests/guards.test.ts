// Guards on how the core is built: no managed allocation, no globals, one caller of memory.grow,
// no imports beyond env.abort.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const assemblyDir = join(root, "assembly");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The code of a source file without comments and string literals. */
function code(path: string): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
}

describe("the core allocates nothing through AssemblyScript's runtime", () => {
  const wat = readFileSync(join(root, "build/wasmalloc.debug.wat"), "utf8");

  it("the debug build has no runtime functions, no mutable globals and no start function", () => {
    expect(wat).toMatch(/\(func \$assembly\/heap\/allocate/); // names are there: the scan is meaningful
    expect(wat).not.toMatch(/\$~lib\/rt\//);
    expect(wat).not.toMatch(/__new|__alloc|__renew|__realloc|__free/);
    expect(wat).not.toMatch(/\(global [^)]*\(mut /);
    expect(wat).not.toMatch(/\(start /);
  });

  it("the sources use no new, no array literals, no template strings and no string building", () => {
    const files = sources(assemblyDir);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = code(file);
      expect(text, file).not.toMatch(/\bnew\s+[A-Za-z_]/);
      expect(text, file).not.toMatch(/`/);
      expect(text, file).not.toMatch(/=\s*\[/);
      expect(text, file).not.toMatch(/""\s*\+|\+\s*""/);
      expect(text, file).not.toMatch(/\b(Array|String|Map|Set|ArrayBuffer|StaticArray)\s*</);
    }
  });

  it("only assembly/brk.ts calls memory.grow", () => {
    const callers = sources(assemblyDir).filter((f) => /memory\.grow\s*\(/.test(code(f)));
    expect(callers.map((f) => f.slice(assemblyDir.length + 1))).toEqual(["brk.ts"]);
  });

  it("the release module imports nothing but env.abort", async () => {
    const bytes = readFileSync(join(root, "build/wasmalloc.wasm"));
    const mod = await WebAssembly.compile(bytes);
    const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`);
    expect(imports.every((i) => i === "env.abort")).toBe(true);
    const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
    expect(exports).toEqual(expect.arrayContaining(["malloc", "free", "calloc", "realloc", "alignedAlloc", "usableSize", "memory"]));
  });

  it("the release module has no mutable globals either", async () => {
    const mod = await WebAssembly.compile(readFileSync(join(root, "build/wasmalloc.wasm")));
    const instance = await WebAssembly.instantiate(mod, { env: { abort() { throw new Error("abort"); } } });
    const globals = Object.values(instance.exports).filter((e) => e instanceof WebAssembly.Global);
    expect(globals).toEqual([]);
  });
});
