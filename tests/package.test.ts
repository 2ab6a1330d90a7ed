// The package as users import it: built JavaScript from plain Node, and the CLI.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { withConsumer } from "./helpers.js";

const root = new URL("..", import.meta.url).pathname;

describe("the built package", () => {
  it("import('wasmalloc') works from plain Node", () => {
    const script = `
      const { createHeap, HeapError } = await import("wasmalloc");
      const heap = await createHeap({ policy: "best-fit" });
      const p = heap.malloc(100);
      heap.free(p);
      let code = "";
      try { heap.free(p); } catch (e) { code = e instanceof HeapError ? e.code : "other"; }
      console.log(JSON.stringify({ p, code, check: heap.check(), used: heap.stats().usedBytes }));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    const result = JSON.parse(out);
    expect(result.p).toBeGreaterThan(0);
    expect(result.code).toBe("double-free");
    expect(result.check).toBeNull();
    expect(result.used).toBe(0);
  });

  it("require('wasmalloc') works from CommonJS (Node 20.19 and later load ES modules with require; engines says so)", () => {
    const script = `
      const { createHeap, linkProgram } = require("wasmalloc");
      createHeap().then((heap) => console.log(JSON.stringify({ p: heap.malloc(10), link: typeof linkProgram })));
    `;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({ p: expect.any(Number), link: "function" });
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines.node).toBe(">=20.19");
  });

  it("every wasm subpath resolves from plain Node, and the README's three lines instantiate the release build", () => {
    const script = `
      import { readFile } from "node:fs/promises";
      const out = {};
      for (const sub of ["wasm", "wasm/debug", "wasm/min", "wasm/shared", "wasm/foreign", "wasm/foreign-debug"]) {
        const mod = await WebAssembly.compile(await readFile(new URL(import.meta.resolve("wasmalloc/" + sub))));
        out[sub] = WebAssembly.Module.imports(mod).map((i) => i.module + "." + i.name).sort().join(",");
      }
      const bytes = await readFile(new URL(import.meta.resolve("wasmalloc/wasm")));
      const { instance } = await WebAssembly.instantiate(bytes, { env: { abort() { throw new Error("wasmalloc: abort"); } } });
      const { malloc, free } = instance.exports;
      const p = malloc(100);
      out.freed = free(p);
      out.p = p;
      console.log(JSON.stringify(out));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" }));
    expect(out["wasm/min"]).toBe("");
    expect(out["wasm/foreign"]).toBe("env.memory");
    expect(out["wasm/shared"]).toBe("env.abort,env.memory");
    expect(out.p).toBeGreaterThan(0);
    expect(out.freed).toBe(0);
  });

  it("the entry points at built JavaScript, not TypeScript", async () => {
    const pkg = JSON.parse(execFileSync(process.execPath, ["-p", "JSON.stringify(require('./package.json'))"], { cwd: root, encoding: "utf8" }));
    expect(pkg.exports["."].default).toMatch(/^\.\/dist\/.*\.js$/);
    expect(pkg.exports["."].browser).toBe("./dist/browser.js");
    expect(pkg.exports["./assembly"]).toBe("./assembly/index.ts");
  });

  it("nothing reachable from the entries (library and tools) imports a node: module (they must load in a browser)", () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(root, "dist", file), "utf8");
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        expect(spec, file).not.toMatch(/^node:|^(fs|path|os|url|module|child_process)$/);
        if (spec.startsWith(".")) visit(posix.join(posix.dirname(file), spec));
      }
    };
    visit("index.js");
    visit("browser.js");
    expect(seen.size).toBeGreaterThan(5);
    // The library entry loads the library alone: no tool, and none of the CLI's packages.
    expect([...seen].filter((f) => f.startsWith("tools/"))).toEqual([]);
    visit("tools/index.js");
    expect(seen).toContain("tools/map.js");
    expect(seen).not.toContain("tools/cli.js");
    expect(seen).not.toContain("tools/peers.js");
  });

  it("the library's runtime dependencies are what the library loads; the CLI's packages are optional peers", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }>; exports: Record<string, unknown>;
    };
    expect(Object.keys(pkg.dependencies)).toEqual(["@assemblyscript/loader"]);
    expect(pkg.peerDependenciesMeta).toEqual({ "@thi.ng/malloc": { optional: true }, "cli-progress": { optional: true } });
    expect(pkg.exports["./tools"]).toEqual({ types: "./dist/tools/index.d.ts", default: "./dist/tools/index.js" });
    for (const file of ["dist/index.js", "dist/heap.js", "dist/loader.js"]) expect(readFileSync(join(root, file), "utf8")).not.toMatch(/cli-progress|@thi\.ng/);
  });

  it("the demo prints placements and statistics for each policy", () => {
    const out = execFileSync(process.execPath, ["dist/tools/cli.js", "demo"], { cwd: root, encoding: "utf8" });
    for (const policy of ["first-fit", "next-fit", "best-fit"]) expect(out).toContain(`${policy}, immediate coalescing`);
    expect(out).toMatch(/policy\s+coalesce\s+extent/);
  });

  it("a strict TypeScript consumer (nodenext) type-checks the library and the raw exports of a wasm subpath", () => {
    withConsumer({ strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, types: [], lib: ["es2022", "dom"] }, [
      'import { createHeap, type CoreExports, type HeapStats } from "wasmalloc";',
      "const heap = await createHeap({ cache: false });",
      "const stats: HeapStats = heap.stats();",
      "const cached: number = stats.cachedBlocks + stats.cachedBytes;",
      "declare const instance: WebAssembly.Instance;",
      "const raw = instance.exports as unknown as CoreExports;",
      "const p: number = raw.malloc(16) + raw.free(0) + cached;",
      "export { p };",
    ].join("\n"));
  });

  it("its types need no DOM lib: a Node consumer under lib es2022 with @types/node type-checks, library and tools, with no skipLibCheck", () => {
    withConsumer({ strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, types: ["node"], lib: ["es2022"] }, [
      'import { createHeap, linkProgram, type CoreExports } from "wasmalloc";',
      'import { parseTrace, replay } from "wasmalloc/tools";',
      "const heap = await createHeap();",
      "const bytes: ArrayBuffer = heap.memory.buffer;",
      'const r = replay(heap, parseTrace("0\\n1\\n1\\n1\\na 0 8\\n"));',
      "declare const raw: CoreExports;",
      "export const n: number = bytes.byteLength + r.ops + raw.malloc(8) + (typeof linkProgram === \"function\" ? 1 : 0);",
    ].join("\n"));
    // The embedded builds are typed as strings, not as their base64 text.
    expect(readFileSync(join(root, "dist", "generated", "wasm.d.ts"), "utf8").length).toBeLessThan(2000);
  });

  it("the demo server says so when its port is taken, and how to choose another", async () => {
    const { createServer } = await import("node:net");
    const { serve } = await import("../scripts/serve.mjs");
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", () => done()));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(serve(root, port)).rejects.toMatchObject({ code: "EADDRINUSE" });
      let stderr = "";
      try {
        execFileSync(process.execPath, ["scripts/serve.mjs"], { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: "pipe" });
      } catch (e) {
        stderr = String((e as { stderr: Buffer }).stderr);
      }
      expect(stderr).toContain(`port ${port} is taken; choose another with PORT`);
    } finally {
      taken.close();
    }
  });

  it("the CLI refuses unknown commands", () => {
    expect(() => execFileSync(process.execPath, ["dist/tools/cli.js", "bogus"], { cwd: root, stdio: "pipe" })).toThrow(/unknown command "bogus"/);
  });
});
