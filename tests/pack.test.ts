// The package as it is published: a fresh clone of this repository packs (prepack builds it), and
// the tarball, installed into an empty project, works from ESM, from strict TypeScript (nodenext)
// and as the `wasmalloc` command. The install reads no registry: the one runtime dependency,
// @assemblyscript/loader, comes from this checkout's node_modules as a file: dependency.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const isClone = existsSync(join(root, ".git"));
if (!isClone && process.env.CI !== "true") console.warn("skipping the pack test: this directory is not a git clone");

describe.skipIf(!isClone && process.env.CI !== "true")("the packed package, from a fresh clone", () => {
  const work = mkdtempSync(join(tmpdir(), "wasmalloc-pack-"));
  const clone = join(work, "clone");
  const project = join(work, "project");
  let files: string[] = [];
  const run = (cmd: string, args: string[], cwd: string): string => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });

  beforeAll(() => {
    run("git", ["clone", "--quiet", root, clone], work);
    symlinkSync(join(root, "node_modules"), join(clone, "node_modules"), "dir");   // the dev dependencies that build it
    const packOut = run("npm", ["pack", "--json", "--pack-destination", work], clone);   // (prepack's build log, then the JSON)
    const [packed] = JSON.parse(packOut.slice(packOut.lastIndexOf("[\n  {"))) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);
    execFileSync("mkdir", [project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({
      type: "module",
      dependencies: { "@assemblyscript/loader": `file:${join(root, "node_modules", "@assemblyscript", "loader")}`, wasmalloc: `file:${join(work, packed.filename)}` },
    }));
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--install-links"], project);
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("ships the built library, tools, builds and TLSF, and no tests or benchmarks", () => {
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/browser.js", "dist/tools/index.js", "dist/tools/cli.js", "build/wasmalloc.wasm", "build/wasmalloc.min.wasm",
      "build/wasmalloc.shared.wasm", "build/peers/tlsf.wasm", "assembly/index.ts", "runtime/incremental.ts", "c/wasmalloc.h", "README.md", "docs/guide.md", "docs/design.md"]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(tests|bench|scripts|src|demo)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", "wasmalloc", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toEqual(["@assemblyscript/loader"]);
  });

  it("imports from ESM: the library, and the tools apart", () => {
    const out = run(process.execPath, ["--input-type=module", "-e", `
      const { createHeap } = await import("wasmalloc");
      const { parseTrace, replay } = await import("wasmalloc/tools");
      const heap = await createHeap();
      const r = replay(heap, parseTrace("0\\n2\\n3\\n1\\na 0 100\\na 1 50\\nf 0\\n"), { verify: true });
      console.log(JSON.stringify({ ops: r.ops, used: heap.stats().usedBytes > 0, check: heap.check() }));
    `], project);
    expect(JSON.parse(out)).toEqual({ ops: 3, used: true, check: null });
  });

  it("type-checks under strict TypeScript with nodenext", () => {
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, types: [], lib: ["es2022", "dom"] },
      files: ["main.ts"],
    }));
    writeFileSync(join(project, "main.ts"), [
      'import { createHeap, type Heap } from "wasmalloc";',
      'import { parseTrace, type Trace } from "wasmalloc/tools";',
      "const heap: Heap = await createHeap({ policy: \"best-fit\" });",
      'const trace: Trace = parseTrace("0\\n1\\n1\\n1\\na 0 8\\n");',
      "export const n: number = heap.malloc(trace.sizes[0]);",
    ].join("\n"));
    run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", project], project);
  });

  it("runs as the wasmalloc command and compares against the TLSF it ships", () => {
    const trace = join(project, "t.rep");
    writeFileSync(trace, "0\n2\n3\n1\na 0 100\na 1 50\nf 0\n");
    const out = JSON.parse(run(join(project, "node_modules", ".bin", "wasmalloc"), ["replay", trace, "--peers", "tlsf,js-pool", "--json"], project)) as
      { traces: { results: { allocator: string; verified: string }[] }[] };
    expect(out.traces[0].results.map((r) => `${r.allocator}:${r.verified}`)).toEqual(["wasmalloc:segregated:ok", "tlsf:ok", "js-pool:ok"]);
  });

  it("compares against dlmalloc and emmalloc from --peers-dir, and says how to add them when they are missing", () => {
    const trace = join(project, "t.rep");
    const cli = join(project, "node_modules", ".bin", "wasmalloc");
    let message = "";
    try {
      run(cli, ["replay", trace, "--peers", "dlmalloc"], project);   // installed: no ../shared beside it
    } catch (e) {
      message = String((e as { stderr: string }).stderr);
    }
    expect(message).toMatch(/dlmalloc: .*dlmalloc\.wasm is missing\. The C peers are not shipped: .* pass --peers-dir DIR or set WASMALLOC_PEERS=DIR/);
    const peers = new URL("../../shared/peers/", import.meta.url).pathname;
    if (!existsSync(peers)) {
      if (process.env.CI === "true") throw new Error("CI needs ../shared/peers beside the clone");
      console.warn("skipping the C peers from --peers-dir: ../shared/peers is not beside this clone");
      return;
    }
    const out = JSON.parse(run(cli, ["replay", trace, "--peers", "dlmalloc,emmalloc", "--peers-dir", peers, "--json"], project)) as
      { traces: { results: { allocator: string; verified: string }[] }[] };
    expect(out.traces[0].results.map((r) => `${r.allocator}:${r.verified}`)).toEqual(["wasmalloc:segregated:ok", "dlmalloc:ok", "emmalloc:ok"]);
  });
});
