// Simulated cache misses of every load and store, inside wasm: a model, the same on any machine.
// Each module's text (wabt's wasm2wat) gets a call before every load and store of every function
// that reports the address, is assembled again (wat2wasm), and replays a stretch of a trace
// through bench:real's inside-wasm loop. The addresses go through two least-recently-used caches
// of 64-byte lines, 32 KiB and 512 KiB, 8-way (a level 1 and a level 2 of the EPYC machines this
// project is measured on). It prints, per trace operation of the stretch, the accesses and the
// misses of each level, each function's share, and with --top N the N loads and stores that miss
// the second level most.
//
// It models no prefetcher: a touch (a load that only warms a line, coalesce.ts) counts as the miss
// it is meant to take early, and a stream the hardware follows counts in full. Bulk operations
// (memory.fill, memory.copy) are left out. Read it beside bench:free-lines, which tells the
// streams apart, and bench:real's times (bench/RESULTS.md, 2026-11-30).
//
//   npm run bench:misses -- build/peers/inwasm-wasmalloc.wasm ../shared/peers/dlmalloc.wasm
//   npm run bench:misses -- --stretch jq-json:0.6:1 --top 8 build/peers/inwasm-wasmalloc.wasm
//
// A stretch is trace[:from[:to]] as in bench:ab (the operations before `from` are replayed
// unmodelled; `malloclab` is the eleven -bal traces, a name ending in .rep a file of your own).
// Needs ../shared; the npm script builds first.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseTrace } from "../dist/tools/trace.js";
import { RECORD_BYTES, malloclabTraces, realTrace, writeTrace } from "./inwasm-trace.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);

const { values, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { stretch: { type: "string", default: "jq-json:0.6:1" }, top: { type: "string", default: "0" } },
});
const top = Number(values.top);
if (!Number.isInteger(top) || top < 0) throw new Error(`--top takes a whole number, got ${values.top}`);
if (files.length === 0) throw new Error("give one or more .wasm modules with alloc, replay and memory exports");
for (const f of files) if (!existsSync(f)) throw new Error(`${f}: no such file (npm run build:bench builds build/bench/*.wasm)`);
const [traceName, fromText = "0", toText = "1"] = values.stretch.split(":");
const from = Number(fromText), to = Number(toText);
if (!(from >= 0 && from < to && to <= 1)) throw new Error(`${values.stretch}: from and to must satisfy 0 <= from < to <= 1`);
const traces = traceName === "malloclab" ? malloclabTraces().map((t) => t.trace)
  : traceName.endsWith(".rep") ? [parseTrace(readFileSync(traceName, "utf8"))] : [realTrace(traceName)];

/** A set-associative LRU cache of 64-byte lines: access(line) says whether it held the line. */
function lruCache(bytes, ways) {
  const sets = bytes / 64 / ways;
  const tags = new Float64Array(sets * ways).fill(-1);
  const used = new Float64Array(sets * ways);
  let clock = 0;
  return (line) => {
    const base = (line % sets) * ways;
    let oldest = base;
    clock++;
    for (let w = base; w < base + ways; w++) {
      if (tags[w] === line) {
        used[w] = clock;
        return true;
      }
      if (used[w] < used[oldest]) oldest = w;
    }
    tags[oldest] = line;
    used[oldest] = clock;
    return false;
  };
}

const MEMORY_OP = /^(i32|i64|f32|f64)\.(load|store)(8|16|32)?(_[su])?(?: offset=(\d+))?/;
const count = (text, re) => (text.match(re) ?? []).length;

/**
 * The module's text with a call of $__access(address, site) before each load and store, and the
 * sites (function, instruction). Each function gains five locals past its own, which hold the
 * address and a stored value (one of each type) while the call is made.
 */
function instrument(wat) {
  const out = [];
  const sites = [];
  const lines = wat.split("\n");
  let fn = "", inFunc = false, spare = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i], t = line.trim();
    if (t.startsWith("(func ")) {
      fn = t.split(" ")[1];
      out.push(line);
      inFunc = count(t, /\(/g) !== count(t, /\)/g);   // a body on its own lines
      if (!inFunc) continue;
      const params = (t.replace(/\(result[^)]*\)/g, "").match(/\(param [^)]*\)/g) ?? [])
        .reduce((n, p) => n + p.slice(7, -1).trim().split(/\s+/).filter((x) => !x.startsWith("$")).length, 0);
      let locals = 0;
      while (lines[i + 1].trim().startsWith("(local ")) {
        i++;
        locals += lines[i].replace(/\(local|\)/g, " ").trim().split(/\s+/).filter((x) => x && !x.startsWith("$")).length;
        out.push(lines[i]);
      }
      spare = params + locals;
      out.push("    (local i32 i32 i64 f32 f64)");
      continue;
    }
    if (/^\((type|import|table|memory|global|export|elem|data|start)\b/.test(t)) inFunc = false;
    const m = inFunc ? t.match(MEMORY_OP) : null;
    if (m) {
      const site = sites.length;
      sites.push(`${fn} ${t}`);
      const at = `i32.const ${m[5] ?? 0} i32.add i32.const ${site} call $__access`;
      if (m[2] === "load") out.push(`local.tee ${spare} local.get ${spare} ${at}`);
      else {
        const value = spare + 1 + ["i32", "i64", "f32", "f64"].indexOf(m[1]);
        out.push(`local.set ${value} local.tee ${spare} ${at} local.get ${spare} local.get ${value}`);
      }
    }
    out.push(line);
  }
  const head = out.findIndex((l) => l.trim().startsWith("(module"));
  out.splice(head + 1, 0, '  (import "model" "access" (func $__access (param i32 i32)))');
  return { text: out.join("\n"), sites };
}

const dir = mkdtempSync(join(tmpdir(), "wasmalloc-misses-"));
try {
  console.log(`bench:misses, ${values.stretch}: per trace operation, the model's L1 (32 KiB) and L2 (512 KiB) misses`);
  for (const file of files) {
    const wat = execFileSync(bin("wasm2wat"), ["--enable-all", "--generate-names", file], { maxBuffer: 1 << 28 }).toString();
    const { text, sites } = instrument(wat);
    const watFile = join(dir, "m.wat"), wasmFile = join(dir, "m.wasm");
    writeFileSync(watFile, text);
    execFileSync(bin("wat2wasm"), ["--enable-all", watFile, "-o", wasmFile], { maxBuffer: 1 << 28 });
    const mod = new WebAssembly.Module(readFileSync(wasmFile));
    const accesses = new Float64Array(sites.length), miss1 = new Float64Array(sites.length), miss2 = new Float64Array(sites.length);
    let ops = 0;
    for (const trace of traces) {
      const l1 = lruCache(32 << 10, 8), l2 = lruCache(512 << 10, 8);
      let modelled = false;
      const access = (address, site) => {
        const line = Math.floor((address >>> 0) / 64);
        const hit1 = l1(line);
        const hit2 = hit1 || l2(line);
        if (!modelled) return;
        accesses[site]++;
        if (!hit1) miss1[site]++;
        if (!hit2) miss2[site]++;
      };
      const { exports } = new WebAssembly.Instance(mod, { env: { abort() { throw new Error(`${file}: abort`); } }, model: { access } });
      const [at, n, ptrs] = writeTrace(exports, trace, file);
      const a = Math.floor(n * from), b = Math.floor(n * to);
      exports.replay(at, a, ptrs);
      modelled = true;
      exports.replay(at + a * RECORD_BYTES, b - a, ptrs);
      ops += b - a;
    }
    const sum = (xs) => xs.reduce((s, x) => s + x, 0);
    const per = (x) => (x / ops).toFixed(3);
    console.log(`\n${file}: accesses ${per(sum(accesses))}, L1 misses ${per(sum(miss1))}, L2 misses ${per(sum(miss2))}`);
    const byFunction = new Map();
    sites.forEach((s, i) => {
      const f = s.split(" ")[0];
      const row = byFunction.get(f) ?? [0, 0, 0];
      row[0] += accesses[i]; row[1] += miss1[i]; row[2] += miss2[i];
      byFunction.set(f, row);
    });
    for (const [f, [acc, m1, m2]] of [...byFunction].sort((x, y) => y[1][1] - x[1][1]).slice(0, 5)) {
      if (acc > 0) console.log(`  ${f}: accesses ${per(acc)}, L1 misses ${per(m1)}, L2 misses ${per(m2)}`);
    }
    const worst = sites.map((s, i) => [miss2[i], i]).filter(([m]) => m > 0).sort((x, y) => y[0] - x[0]).slice(0, top);
    for (const [m, i] of worst) console.log(`    ${per(m)} L2 misses (${per(accesses[i])} accesses) at site ${i}: ${sites[i]}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
