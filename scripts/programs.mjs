// The real C programs of ../shared/programs (cfrac, espresso, the security suite), built for wasm
// with Debian's clang twice: as they are (wasi-libc's dlmalloc) and with c/wasmalloc.c linked in
// its place. Used by tests/programs.test.ts and bench/programs.mjs; `node scripts/programs.mjs`
// builds them all (into build/programs/; ../shared is read-only) and says what it skipped.
//
// Every build line is the one ../shared/programs/README.md gives, plus, for wasmalloc,
// c/wasmalloc.c and -Wl,--import-memory -Wl,--export=__heap_base.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, openSync, closeSync, readFileSync, rmSync, mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { delimiter, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
/** Where the sources are: beside the project, never copied into it. */
export const PROGRAMS = join(root, "..", "shared", "programs");
/** Where the builds go. */
export const OUT = join(root, "build", "programs");
const SHIM = join(root, "c", "wasmalloc.c");
const SHIM_HEADER = join(root, "c", "wasmalloc.h");
const QUIET = ["-w", "-Wno-implicit-function-declaration", "-Wno-implicit-int", "-Wno-int-conversion", "-Wno-incompatible-pointer-types"];
const BASE = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2", ...QUIET];
const LINK_SHIM = ["-I", join(root, "c"), SHIM, "-Wl,--import-memory", "-Wl,--export=__heap_base"];
const CFRAC_SOURCES = ("cfrac.c pops.c pconst.c pio.c pabs.c pneg.c pcmp.c podd.c phalf.c padd.c psub.c pmul.c pdivmod.c " +
  "psqrt.c ppowmod.c atop.c ptoa.c itop.c utop.c ptou.c errorp.c pfloat.c pidiv.c pimod.c picmp.c primes.c pcfrac.c pgcd.c").split(" ");
/** The number cfrac factors in mimalloc-bench, and the line it prints. */
export const CFRAC_ARG = "17545186520507317056371138836327483792789528";
export const CFRAC_OUTPUT = "17545186520507317056371138836327483792789528 = 856070387728264 * 20495027946319472471219512627";
/** The allocation sizes each security program is built with. */
export const SECURITY_SIZES = [8, 4096, 262144];

/** Why the programs cannot be built here, or null when they can (../shared/programs and clang with wasi-libc). */
export async function unavailable() {
  if (!existsSync(PROGRAMS)) return `${PROGRAMS} is missing`;
  try {
    await run("clang", ["--version"], { env: CLANG_ENV });
  } catch {
    return "clang is not installed (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32; CI installs them)";
  }
  if (!existsSync("/usr/lib/wasm32-wasi/libc.a")) return "wasi-libc is not installed (apt-get install wasi-libc)";
  return null;
}

/** Whether `out` is older than any of `inputs`. */
function stale(out, inputs) {
  if (!existsSync(out)) return true;
  const t = statSync(out).mtimeMs;
  return inputs.some((f) => statSync(f).mtimeMs > t);
}

/**
 * PATH without node_modules/.bin: clang runs any wasm-opt it finds on PATH after linking, and
 * under npm that is binaryen's, in JS (slow, and the builds would differ from the README's lines).
 */
const CLANG_ENV = {
  ...process.env,
  PATH: (process.env.PATH ?? "").split(delimiter).filter((d) => !d.includes(`node_modules${sep}.bin`)).join(delimiter),
};

/** Runs clang in `cwd` unless `out` is up to date. */
async function clang(cwd, args, out, inputs) {
  if (!stale(out, [...inputs.map((f) => join(cwd, f)), SHIM, SHIM_HEADER])) return;
  await run("clang", [...args, "-o", out], { cwd, maxBuffer: 1 << 24, env: CLANG_ENV });
}

/** The security programs (C only: the .cc ones need a C++ library for wasm), by name. */
export function securityNames() {
  return readdirSync(join(PROGRAMS, "security")).filter((f) => f.endsWith(".c")).map((f) => f.slice(0, -2)).sort();
}

/**
 * The path of a build: `name` as in builds(), for "dlmalloc" or "wasmalloc"; for "emmalloc", the
 * prebuilt cfrac and espresso of ../shared/programs/prebuilt.
 */
export function wasmPath(name, allocator) {
  if (allocator === "emmalloc") return join(PROGRAMS, "prebuilt", `${name}-emmalloc.wasm`);
  return join(OUT, `${name}-${allocator}.wasm`);
}

/** Every build to make: [name, cwd, clang args (without the allocator's), sources, wasmalloc only]. */
function builds() {
  const list = [
    ["cfrac", join(PROGRAMS, "cfrac"), [...BASE, "-DNOMEMOPT=1", ...CFRAC_SOURCES, "-lm"], CFRAC_SOURCES],
  ];
  const esp = join(PROGRAMS, "espresso");
  const espSources = readdirSync(esp).filter((f) => f.endsWith(".c"));
  list.push(["espresso", esp, [...BASE, "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS", ...espSources, "-lm",
    "-lwasi-emulated-signal", "-lwasi-emulated-process-clocks"], espSources]);
  // The project's own small program (tests/fixtures/list.c): no WASI, so it runs in a browser too.
  const fixtures = join(root, "tests", "fixtures");
  const LIST = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-fno-builtin", "-nostartfiles", "-Wl,--no-entry",
    "-Wl,--export=run", "-Wl,--export=misuse", "list.c"];
  list.push(["list", fixtures, LIST, ["list.c"], true], ["list-notrap", fixtures, [...LIST, "-DWASMALLOC_NO_TRAP"], ["list.c"], true]);
  const sec = join(PROGRAMS, "security");
  for (const name of securityNames()) {
    for (const size of SECURITY_SIZES) {
      list.push([`${name}_${size}`, sec, ["--target=wasm32-wasi", "--sysroot=/usr", "-O1", "-w", "-fno-inline", "-fno-builtin",
        `-DALLOCATION_SIZE=${size}`, `${name}.c`], [`${name}.c`, "common.h"]]);
    }
  }
  return list;
}

/** Builds every program twice (dlmalloc, wasmalloc), `jobs` at a time; skips what is up to date. */
export async function buildAll(jobs = Math.max(1, cpus().length)) {
  mkdirSync(OUT, { recursive: true });
  const tasks = [];
  for (const [name, cwd, args, sources, shimOnly] of builds()) {
    if (!shimOnly) tasks.push(() => clang(cwd, args, wasmPath(name, "dlmalloc"), sources));
    tasks.push(() => clang(cwd, [...args, ...LINK_SHIM], wasmPath(name, "wasmalloc"), sources));
  }
  let next = 0;
  const worker = async () => { while (next < tasks.length) await tasks[next++](); };
  await Promise.all(Array.from({ length: jobs }, worker));
  return tasks.length;
}

/**
 * Runs a built program under node:wasi with `args`, on `allocator`: "dlmalloc" (its own), or
 * "wasmalloc" with `options` for linkProgram (debug, say). Returns how it ended: its exit code,
 * or the error that stopped it (a trap, or linkProgram's HeapError), its stdout, the time its
 * start() took, its memory, and for wasmalloc the heap's check() and stats() afterwards.
 */
export async function runProgram(name, allocator, args = [], options = {}) {
  const { linkProgram } = await import("../dist/index.js");
  const { WASI } = await import("node:wasi");
  const dir = mkdtempSync(join(tmpdir(), "wasmalloc-program-"));
  const outFile = join(dir, "stdout");
  const fd = openSync(outFile, "w");
  const wasi = new WASI({ version: "preview1", args: [name, ...args], preopens: { "/": "/" }, returnOnExit: true, stdout: fd });
  const bytes = readFileSync(wasmPath(name, allocator));
  const result = { exitCode: undefined, error: undefined, stdout: "", ms: 0, memoryBytes: 0, check: undefined, stats: undefined };
  let heap;
  let memory;
  let instance;
  if (allocator === "wasmalloc") {
    ({ instance, heap, memory } = await linkProgram(bytes, { wasi_snapshot_preview1: wasi.wasiImport }, options));
  } else {
    ({ instance } = await WebAssembly.instantiate(bytes, { wasi_snapshot_preview1: wasi.wasiImport }));
    memory = instance.exports.memory;
  }
  const t0 = performance.now();
  try {
    result.exitCode = wasi.start(instance);
  } catch (e) {
    result.error = e;
  }
  result.ms = performance.now() - t0;
  closeSync(fd);
  result.stdout = readFileSync(outFile, "utf8");
  rmSync(dir, { recursive: true, force: true });
  result.memoryBytes = memory.buffer.byteLength;
  if (heap) {
    result.check = heap.check();
    result.stats = heap.stats();
  }
  return result;
}

/** The security programs' kinds that each heap must stop (issue 14): by name prefix. */
export const MUST_STOP = {
  release: ["double_free", "invalid_free"],
  debug: ["double_free", "invalid_free", "one_byte_overflow", "one_byte_underflow", "32_byte_overflow",
    "32_byte_underflow", "one_mbyte_overflow", "one_mbyte_underflow", "one_byte_memcpy", "32_byte_memcpy",
    "one_mbyte_memcpy", "write_after_free"],
};

/**
 * Runs one build in a child process (a program may crash its engine: dlmalloc's build of
 * zero_on_malloc_262144 takes Node 20 down), and returns how it ended: "stopped" (it did not
 * reach NOT_CAUGHT and ended with an error or a non-zero exit), "not-caught", or "other" (it
 * ended normally without NOT_CAUGHT, or its process died), with the error's first line.
 */
export async function runIsolated(name, allocator, debug = false) {
  const args = [fileURLToPath(import.meta.url), "run", name, allocator, debug ? "debug" : "release"];
  try {
    const { stdout } = await run(process.execPath, ["--no-warnings", ...args], { maxBuffer: 1 << 24, timeout: 120_000 });
    return JSON.parse(stdout);
  } catch (e) {
    return { outcome: "other", why: `the process died: ${String(e.signal ?? e.code ?? e.message).split("\n")[0]}` };
  }
}

/** Runs every security build on dlmalloc and on wasmalloc's release and debug heaps, `jobs` at a time. */
export async function surveySecurity(jobs = Math.max(1, cpus().length), onResult = () => {}) {
  const tasks = [];
  for (const name of securityNames()) {
    for (const size of SECURITY_SIZES) {
      const build = `${name}_${size}`;
      for (const [heap, allocator, debug] of [["dlmalloc", "dlmalloc", false], ["release", "wasmalloc", false], ["debug", "wasmalloc", true]]) {
        tasks.push(async () => {
          const r = { program: name, build, heap, ...await runIsolated(build, allocator, debug) };
          onResult(r);
          return r;
        });
      }
    }
  }
  const results = [];
  let next = 0;
  const worker = async () => { while (next < tasks.length) results.push(await tasks[next++]()); };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "time") {
    // One timed run for bench/programs.mjs: a JSON line on stdout.
    const [, , , name, allocator, ...args] = process.argv;
    const r = await runProgram(name, allocator, args);
    process.stdout.write(JSON.stringify({
      ms: r.ms, memoryBytes: r.memoryBytes, exitCode: r.exitCode, error: r.error ? String(r.error.message ?? r.error) : null,
      stdout: r.stdout, check: r.check ?? null, peakUsedBytes: r.stats?.peakUsedBytes ?? null,
    }) + "\n");
  } else if (process.argv[2] === "run") {
    // One run, as runIsolated asks for it: a JSON line on stdout.
    const [, , , name, allocator, mode] = process.argv;
    const r = await runProgram(name, allocator, [], { debug: mode === "debug" });
    const why = r.error ? String(r.error.message).split("\n")[0] : `exit ${r.exitCode}`;
    const outcome = r.stdout.includes("NOT_CAUGHT") ? "not-caught" : r.error || r.exitCode !== 0 ? "stopped" : "other";
    process.stdout.write(JSON.stringify({ outcome, why, check: r.check ?? null }) + "\n");
  } else {
    const why = await unavailable();
    if (why) {
      console.log(`programs: not built: ${why}`);
    } else {
      const t0 = Date.now();
      const n = await buildAll();
      console.log(`programs: ${n} builds up to date in ${OUT} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
}
