// Three AssemblyScript workloads that allocate through the managed runtime, for bench/as.mjs: a
// tree built and dropped, string processing, and a growing map. The same source is built on
// AssemblyScript's incremental runtime (TLSF) and on wasmalloc's (runtime/incremental.ts).

class Node {
  constructor(public left: Node | null, public right: Node | null, public value: i32) {}
}

function build(depth: i32, value: i32): Node | null {
  return depth == 0 ? null : new Node(build(depth - 1, value * 2), build(depth - 1, value * 2 + 1), value);
}

function check(node: Node | null): i32 {
  return node == null ? 0 : 1 + check(node.left) + check(node.right);
}

/** Builds and drops `rounds` trees of depth 12, keeping one long-lived tree of depth 14 beside them. */
export function trees(rounds: i32): i32 {
  const kept = build(14, 1);
  let nodes = 0;
  for (let i = 0; i < rounds; i++) nodes += check(build(12, i));
  return nodes + check(kept);
}

/** Splits, transforms and joins lines of text, `rounds` times. */
export function strings(rounds: i32): i32 {
  let total = 0;
  for (let i = 0; i < rounds; i++) {
    let line = "";
    for (let j = 0; j < 40; j++) line += "word" + ((i * 31 + j * 7) % 97).toString() + " ";
    const parts = line.trim().split(" ");
    for (let j = 0; j < parts.length; j++) parts[j] = parts[j].toUpperCase().replace("WORD", "w");
    total += parts.join(",").length;
  }
  return total;
}

/** Grows a map of string keys to arrays, `n` entries, then reads it back. */
export function maps(n: i32): i32 {
  const m = new Map<string, Array<i32>>();
  for (let i = 0; i < n; i++) {
    const key = "key" + (i % (n >> 2)).toString();
    if (!m.has(key)) m.set(key, new Array<i32>());
    m.get(key).push(i);
  }
  let total = 0;
  const keys = m.keys();
  for (let i = 0; i < keys.length; i++) total += m.get(keys[i]).length;
  return total;
}
