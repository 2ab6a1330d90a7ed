// Instructions per operation inside wasm, counted by valgrind's callgrind: the same count for the
// same binary and input however busy the machine is, within a few instructions per operation (V8's
// own work varies a little from run to run), so that two designs can be compared where timings
// are too noisy. For each trace and each module (the same replay loop as bench:real's inside-wasm
// replays), it counts node replaying the trace once and five times, with a full collection before
// each replay, takes the difference per replay, and subtracts the same for a loop that allocates
// nothing.
//
//   npm run bench:instructions                                  (python-lru and jq-json)
//   npm run bench:instructions -- --trace awk-gsub --module build/bench/inwasm-unchecked.wasm
//
// Needs valgrind (Debian's package) and ../shared. Each count takes about 20 s.

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const run = promisify(execFile);
const here = fileURLToPath(import.meta.url);
const shared = fileURLToPath(new URL("../../shared/", import.meta.url));

if (process.argv[2] === "--replay") {
  // Driver mode, under valgrind: replay trace `name` `reps` times with `file`'s module.
  const [, , , file, name, reps] = process.argv;
  const { inwasmInstance, realTrace, writeTrace } = await import("./inwasm-trace.mjs");
  const trace = realTrace(name);
  // Synchronous, with a full collection before each replay, so that no collection or timer
  // falls inside one replay in one count and not in another.
  const mod = new WebAssembly.Module(readFileSync(file));
  for (let r = 0; r < Number(reps); r++) {
    const { exports } = inwasmInstance(mod, file);
    const args = writeTrace(exports, trace, file);
    globalThis.gc();
    exports.replay(...args);
  }
  process.exit(0);
}

const args = process.argv.slice(2);
const all = (name) => args.flatMap((a, i) => (a === `--${name}` && i + 1 < args.length ? args[i + 1].split(",") : []));
const traces = all("trace").length ? all("trace") : ["python-lru", "jq-json"];
const root = new URL("../", import.meta.url);
const modules = all("module").length ? all("module") : [
  "build/peers/inwasm-wasmalloc.wasm", "build/peers/inwasm-tlsf.wasm", `${shared}peers/dlmalloc.wasm`, `${shared}peers/emmalloc.wasm`,
];
const NULL = "build/bench/inwasm-null.wasm";

try {
  await run("valgrind", ["--version"]);
} catch {
  console.log("bench:instructions needs valgrind (apt-get install valgrind)");
  process.exit(0);
}
if (!existsSync(`${shared}traces/real`)) {
  console.log("bench:instructions needs ../shared/traces/real beside the project");
  process.exit(0);
}

/** Instructions callgrind counts for node replaying `name` `reps` times with `file`. */
async function count(file, name, reps) {
  const { stderr } = await run("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath,
    "--single-threaded", "--no-liftoff", "--expose-gc", here, "--replay", fileURLToPath(new URL(file, root)), name, String(reps)],
  { maxBuffer: 1 << 26 });
  const m = /Collected : (\d+)/.exec(stderr);
  if (!m) throw new Error(`callgrind gave no count for ${file} on ${name}:\n${stderr.slice(-2000)}`);
  return Number(m[1]);
}
/** Instructions of one replay, the loop's own included: (5 replays - 1 replay) / 4. */
const perReplay = async (file, name) => ((await count(file, name, 5)) - (await count(file, name, 1))) / 4;

console.log(`bench:instructions, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}: instructions per operation, the replay loop's own left out`);
console.log(`\n| trace | ${modules.map((m) => m.split("/").pop()).join(" | ")} |`);
console.log(`|---|${modules.map(() => "---:").join("|")}|`);
for (const name of traces) {
  const loop = await perReplay(NULL, name);
  const { realTrace } = await import("./inwasm-trace.mjs");
  const n = realTrace(name).kinds.length;
  const cells = [];
  for (const m of modules) cells.push(((await perReplay(m, name)) - loop) / n);
  console.log(`| ${name} | ${cells.map((c) => c.toFixed(0)).join(" | ")} |`);
}
