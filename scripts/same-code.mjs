// Whether two builds of a module hold the same functions, in any order: for a refactor that moves
// code between files (which reorders the functions in the binary) and must change nothing else,
// so that what was tested and fuzzed on one build holds for the other.
//
//   node scripts/same-code.mjs <before.wasm> <after.wasm>
//
// Each function's text (wabt's wasm2wat, no names) is given a colour: the text with its call
// targets blanked, refined round by round with the colours of the functions it calls. Two builds
// are the same code when their functions' colours match as multisets. Globals and everything
// outside the functions are compared as they are. Exits 0 when the same, 1 when not.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const wasm2wat = fileURLToPath(new URL("../node_modules/.bin/wasm2wat", import.meta.url));

/** The module's text: its functions' bodies, the number of imported functions, and the rest. */
function read(file) {
  const wat = execFileSync(wasm2wat, ["--no-debug-names", "--enable-threads", file], { maxBuffer: 1 << 28 }).toString();
  const parts = wat.split(/\n {2}\(func /);
  const funcs = [];
  let rest = parts[0].replace(/\(;\d+;\)/g, "");
  for (const p of parts.slice(1)) {
    const end = p.search(/\n {2}\((?!func)/);
    funcs.push((end < 0 ? p : p.slice(0, end)).replace(/\(;\d+;\)/g, ""));
    if (end >= 0) rest += p.slice(end).replace(/\(;\d+;\)/g, "").replace(/\(func \d+\)|func \d+/g, "func N");
  }
  const imports = (parts[0].match(/\(import [^\n]*\(func/g) ?? []).length;
  return { funcs, imports, rest: rest.replace(/\bcall \d+/g, "call N") };
}

const hash = (s) => createHash("sha1").update(s).digest("hex");

/** Each function's colour after `rounds` of refinement by its callees' colours. */
function colours({ funcs, imports }, rounds = 12) {
  const blank = funcs.map((f) => f.replace(/\bcall \d+/g, "call X"));
  const callees = funcs.map((f) => [...f.matchAll(/\bcall (\d+)/g)].map((m) => Number(m[1])));
  let col = funcs.map((_, i) => hash(blank[i]));
  for (let r = 0; r < rounds; r++) {
    const at = (k) => (k < imports ? `import ${k}` : col[k - imports]);
    col = funcs.map((_, i) => hash(blank[i] + callees[i].map(at).join(",")));
  }
  return col.sort();
}

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error("usage: node scripts/same-code.mjs <before.wasm> <after.wasm>");
  process.exit(2);
}
const a = read(before);
const b = read(after);
const same = a.imports === b.imports && a.funcs.length === b.funcs.length &&
  colours(a).join() === colours(b).join();
console.log(`${same ? "same" : "different"} code: ${a.funcs.length} and ${b.funcs.length} functions` +
  (same && hash(a.rest) !== hash(b.rest) ? " (the same functions; the module's other sections differ)" : ""));
process.exit(same ? 0 : 1);
