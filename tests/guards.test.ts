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

/** The ids of a module's sections, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++];
      size |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    ids.push(id);
    pos += size;
  }
  return ids;
}

describe("the core allocates nothing through AssemblyScript's runtime", () => {
  // Unoptimised builds with names (asconfig targets inspect and inspect-debug), of the release
  // core and of the debug heap.
  // The foreign build's two globals (state.ts foreignBase, brk.ts ownPages) are declared in every
  // build; the unoptimised ones keep the declarations, which no code of theirs reads or writes,
  // and the optimiser drops them from the shipped builds (checked below).
  it.each(["wasmalloc.wat", "wasmalloc.debug.wat"])("%s has no runtime functions, uses no mutable global and has no start function", (file) => {
    const wat = readFileSync(join(root, "build/inspect", file), "utf8");
    expect(wat).toMatch(/\(func \$assembly\/alloc\/allocate/); // names are there: the scan is meaningful
    expect(wat).not.toMatch(/\$~lib\/rt\//);
    expect(wat).not.toMatch(/__new|__alloc|__renew|__realloc|__free/);
    for (const [, name] of wat.matchAll(/\(global (\S+) \(mut /g)) {
      expect(["$assembly/state/foreignBase", "$assembly/brk/ownPages"]).toContain(name);
      expect(wat).not.toMatch(new RegExp(`global\\.(get|set) ${name.replace(/[$/]/g, "\\$&")}\\b`));
    }
    expect(wat).not.toMatch(/\(start /);
  });

  it.each(["wasmalloc.foreign.wasm", "wasmalloc.foreign.debug.wasm"])(
    "%s imports only its memory, has no data segment, writes nothing when instantiated and exports no global", async (file) => {
      const bytes = readFileSync(join(root, "build", file));
      const mod = await WebAssembly.compile(bytes);
      expect(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`)).toEqual(["env.memory:memory"]);
      expect(sectionIds(bytes)).not.toContain(11);   // no data section: nothing is written into a program's memory at instantiation
      const memory = new WebAssembly.Memory({ initial: 1 });
      new Uint8Array(memory.buffer).fill(0x5A);
      const instance = await WebAssembly.instantiate(mod, { env: { memory } });
      expect(new Uint8Array(memory.buffer).every((b) => b === 0x5A)).toBe(true);
      expect(Object.values(instance.exports).filter((e) => e instanceof WebAssembly.Global)).toEqual([]);
    });

  it("the plain builds use no atomics; the shared build imports a shared memory", async () => {
    for (const file of ["wasmalloc.wat", "wasmalloc.debug.wat"]) {
      expect(readFileSync(join(root, "build/inspect", file), "utf8")).not.toMatch(/atomic/);
    }
    const shared = await WebAssembly.compile(readFileSync(join(root, "build/wasmalloc.shared.wasm")));
    expect(WebAssembly.Module.imports(shared).map((i) => `${i.module}.${i.name}:${i.kind}`).sort()).toEqual(["env.abort:function", "env.memory:memory"]);
  });

  it("the debug heap's code is in the debug build only", () => {
    expect(readFileSync(join(root, "build/inspect/wasmalloc.debug.wat"), "utf8")).toMatch(/\$assembly\/debug\/debugAllocate/);
    expect(readFileSync(join(root, "build/inspect/wasmalloc.wat"), "utf8")).not.toMatch(/\$assembly\/debug\//);
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

  it.each(["wasmalloc.wasm", "wasmalloc.debug.wasm"])("%s imports nothing but env.abort", async (file) => {
    const bytes = readFileSync(join(root, "build", file));
    const mod = await WebAssembly.compile(bytes);
    const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`);
    expect(imports.every((i) => i === "env.abort")).toBe(true);
    const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
    expect(exports).toEqual(expect.arrayContaining(["malloc", "free", "calloc", "realloc", "alignedAlloc", "usableSize", "memory"]));
  });

  it.each(["wasmalloc.wasm", "wasmalloc.debug.wasm"])("%s has no mutable globals either", async (file) => {
    const mod = await WebAssembly.compile(readFileSync(join(root, "build", file)));
    const instance = await WebAssembly.instantiate(mod, { env: { abort() { throw new Error("abort"); } } });
    const globals = Object.values(instance.exports).filter((e) => e instanceof WebAssembly.Global);
    expect(globals).toEqual([]);
  });
});
