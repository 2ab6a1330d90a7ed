// Wasm operations per trace operation, counted exactly: each module's text (wabt's wasm2wat) gets
// a counter bumped before every operation of every function, is assembled again (wat2wasm), and
// replays the trace inside wasm through the same loop as bench:real's inside-wasm replays. The
// count is the same on every run and every machine, so two designs can be compared to the
// operation where timings move by tens of percent. Operations that a compiler keeps in registers
// or that do no work (local.get/set/tee, block, loop, nop, br) are left out, and so is what the
// same loop costs with no allocator (bench/inwasm/null.ts). A wasm operation is not a machine
// instruction: read the counts as the allocators' relative work, next to bench:real's times.
//
//   npm run bench:ops                                   (every real trace and the Malloc Lab suite)
//   npm run bench:ops -- --trace python-lru --module build/bench/inwasm-unchecked.wasm
//
// Needs ../shared; the instrumented modules are written to a temporary directory.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MALLOCLAB, inwasmInstance, malloclabTraces, realTrace, writeTrace } from "./inwasm-trace.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const shared = join(root, "..", "shared");
const bin = (name) => join(root, "node_modules", ".bin", name);

const args = process.argv.slice(2);
const all = (name) => args.flatMap((a, i) => (a === `--${name}` && i + 1 < args.length ? args[i + 1].split(",") : []));
if (!existsSync(join(shared, "traces", "real"))) {
  console.log("bench:ops needs ../shared/traces/real beside the project");
  process.exit(0);
}
const realNames = readdirSync(join(shared, "traces", "real")).filter((f) => f.endsWith(".rep.gz")).map((f) => f.slice(0, -7)).sort();
const picked = all("trace");
const suites = [
  ...realNames.map((name) => ({ name, load: () => [realTrace(name)] })),
  { name: `malloclab (${MALLOCLAB.length})`, load: () => malloclabTraces().map((t) => t.trace) },
].filter((s) => picked.length === 0 || picked.some((p) => s.name.startsWith(p)));
const modules = all("module").length ? all("module") : [
  "build/peers/inwasm-wasmalloc.wasm", "build/peers/inwasm-tlsf.wasm", join(shared, "peers", "dlmalloc.wasm"), join(shared, "peers", "emmalloc.wasm"),
];
const NULL_LOOP = "build/bench/inwasm-null.wasm";

/** Operations that are counted: all but those that only move values between locals or mark structure. */
const UNCOUNTED = /^(end|else|local\.get|local\.set|local\.tee|block|loop|nop|br )/;

const dir = mkdtempSync(join(tmpdir(), "wasmalloc-ops-"));
/** `file` with an exported i64 global `__ops` counting the operations it runs. */
function instrument(file) {
  const wat = execFileSync(bin("wasm2wat"), ["--enable-all", file], { maxBuffer: 1 << 28 }).toString();
  const out = [];
  let inFunc = false;
  let last = -1;                            // the last type, import or global line: where __ops goes
  for (const line of wat.split("\n")) {
    const t = line.trim();
    if (t.startsWith("(func ")) inFunc = true;
    else if (/^\((type|import|table|memory|global|export|elem|data|start)\b/.test(t)) inFunc = false;
    if (/^\((type|import|global)\b/.test(t)) last = out.length;
    if (inFunc && t && !t.startsWith("(") && !t.startsWith(";;") && !UNCOUNTED.test(t)) {
      out.push("global.get $__ops i64.const 1 i64.add global.set $__ops");
    }
    out.push(line);
  }
  // After the other globals, so that their indices stay as they are.
  out.splice(last + 1, 0, '(global $__ops (export "__ops") (mut i64) (i64.const 0))');
  const name = join(dir, `${file.split("/").pop()}`);
  writeFileSync(`${name}.wat`, out.join("\n"));
  execFileSync(bin("wat2wasm"), ["--enable-all", `${name}.wat`, "-o", name], { maxBuffer: 1 << 28 });
  return new WebAssembly.Module(readFileSync(name));
}

/** Operations that `mod` runs to replay `trace` once, in a fresh instance. */
function count(mod, trace) {
  const { exports } = inwasmInstance(mod);
  const replayArgs = writeTrace(exports, trace);
  const before = exports.__ops.value;
  exports.replay(...replayArgs);
  return Number(exports.__ops.value - before);
}

try {
  const nullLoop = instrument(join(root, NULL_LOOP));
  const instrumented = modules.map((m) => instrument(m.startsWith("/") ? m : join(root, m)));
  console.log(`bench:ops, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}: wasm operations per trace operation (local moves and the replay loop left out)`);
  console.log(`\n| trace | ops | ${modules.map((m) => m.split("/").pop().replace(/\.wasm$/, "")).join(" | ")} |`);
  console.log(`|---|---:|${modules.map(() => "---:").join("|")}|`);
  for (const s of suites) {
    const traces = s.load();
    const n = traces.reduce((k, t) => k + t.kinds.length, 0);
    const loop = traces.reduce((k, t) => k + count(nullLoop, t), 0);
    const cells = instrumented.map((mod) => (traces.reduce((k, t) => k + count(mod, t), 0) - loop) / n);
    console.log(`| ${s.name} | ${n.toLocaleString("en-US")} | ${cells.map((c) => c.toFixed(1)).join(" | ")} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
