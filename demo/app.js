// The demo: pick a policy and a workload, step or play the replay, or type commands, and watch
// the heap fill, split and merge. Imports the package as a user's page would.
import { createHeap } from "wasmalloc";
import { renderHeapMap, WORKLOADS, OP_ALLOC, OP_FREE } from "wasmalloc/tools";

const $ = (id) => document.getElementById(id);
const state = { heap: null, trace: null, op: 0, ptrs: null, named: new Map(), timer: 0, counter: 0 };
window.__demo = state;

for (const name of Object.keys(WORKLOADS)) $("workload").append(new Option(name, name));

function log(line) {
  const el = $("log");
  el.textContent += `${line}\n`;
  el.scrollTop = el.scrollHeight;
}

/** Statistics that mean something only on some heaps: shown there alone. */
const ONLY = { allocations: "debug", quarantinedBlocks: "debug", quarantinedBytes: "debug", foreignBytes: "never", cachedBlocks: "release", cachedBytes: "release" };

function draw() {
  const { heap, trace, op } = state;
  const blocks = heap.blocks();
  const debug = $("debug").checked;
  // Drawn at the width it is shown at (at least 600 px), so that its text stays readable.
  const width = Math.max(600, Math.min(1400, Math.floor($("map").clientWidth || 1000)));
  const labels = new Map([...state.named].map(([name, p]) => [p, name]));
  $("map").innerHTML = renderHeapMap(blocks, { width, rows: 24, stats: heap.stats(), labels, title: `${heap.policy}, ${heap.coalesce}${debug ? ", debug" : ""}` });
  const s = heap.stats();
  const shown = Object.entries(s).filter(([k]) => !ONLY[k] || ONLY[k] === (debug ? "debug" : "release"));
  $("stats").innerHTML = shown.map(([k, v]) => `<tr><td>${k}</td><td>${v.toLocaleString("en-US")}</td></tr>`).join("");
  $("progress").textContent = `operation ${op} of ${trace.kinds.length}`;
  state.blocks = blocks.length;
  state.rects = $("map").querySelectorAll("rect[data-kind]").length;
}

async function reset() {
  stop();
  state.heap = await createHeap({ policy: $("policy").value, coalesce: $("coalesce").value, debug: $("debug").checked });
  state.trace = WORKLOADS[$("workload").value]();
  state.ptrs = new Float64Array(state.trace.numIds);
  state.op = 0;
  state.named.clear();
  $("log").textContent = "";
  log(`${$("workload").value}: ${state.trace.kinds.length} operations`);
  draw();
}

function step(n) {
  const { heap, trace, ptrs } = state;
  for (let i = 0; i < n && state.op < trace.kinds.length; i++, state.op++) {
    const k = trace.kinds[state.op], id = trace.ids[state.op], size = trace.sizes[state.op];
    if (k === OP_ALLOC) ptrs[id] = heap.malloc(size);
    else if (k === OP_FREE) heap.free(ptrs[id]);
    else ptrs[id] = heap.realloc(ptrs[id], size);
    if (n === 1) log(`${k === OP_ALLOC ? "malloc" : k === OP_FREE ? "free" : "realloc"} #${id}${k === OP_FREE ? "" : ` ${size}`} → ${ptrs[id] || "freed"}`);
  }
  draw();
}

function stop() {
  if (state.timer) log(`paused at operation ${state.op}`);
  clearInterval(state.timer);
  state.timer = 0;
  $("play").textContent = "play";
}

function play() {
  if (state.timer) return stop();
  log(`playing from operation ${state.op}`);
  $("play").textContent = "pause";
  const per = Math.max(1, Math.round(state.trace.kinds.length / 300));
  state.timer = setInterval(() => {
    step(per);
    if (state.op >= state.trace.kinds.length) stop();
  }, 30);
}

/** Runs a typed command: malloc N, calloc C N, realloc NAME N, free NAME (NAME is t1, t2, … or an address). */
function command(text) {
  const [verb, ...args] = text.trim().split(/\s+/);
  const { heap } = state;
  /** A block's name (t1, t2, …) or an address; anything else is refused here, not passed on as NaN. */
  const ptrOf = (a) => {
    if (state.named.has(a)) return state.named.get(a);
    if (/^(0x[0-9a-f]+|\d+)$/i.test(a ?? "")) return Number(a);
    throw new Error(a === undefined ? `${verb} needs a block: a name such as t1, or an address`
      : /^t\d+$/.test(a) ? `unknown name ${a}: it was never given, or was freed` : `${JSON.stringify(a)} is neither a name (t1, t2, …) nor an address`);
  };
  /** A size: a non-negative integer, written out. */
  const sizeOf = (a) => {
    if (!/^\d+$/.test(a ?? "")) throw new Error(a === undefined ? `${verb} needs a size in bytes` : `${JSON.stringify(a)} is not a size in bytes`);
    return Number(a);
  };
  const remember = (p, n) => {
    if (p === 0) return `out of memory: no block of ${n} bytes (nothing was named)`;
    const name = `t${++state.counter}`;
    state.named.set(name, p);
    return `${name} = ${p}`;
  };
  if (verb === "malloc") { const n = sizeOf(args[0]); return remember(heap.malloc(n), n); }
  if (verb === "calloc") { const c = sizeOf(args[0]); const n = sizeOf(args[1]); return remember(heap.calloc(c, n), c * n); }
  if (verb === "realloc") {
    const old = ptrOf(args[0]);
    const n = sizeOf(args[1]);
    const p = heap.realloc(old, n);
    if (p === 0) return `out of memory: ${args[0]} stays as it was`;
    if (state.named.has(args[0])) state.named.set(args[0], p);
    return `${args[0]} = ${p}`;
  }
  if (verb === "free") {
    heap.free(ptrOf(args[0]));
    state.named.delete(args[0]);
    return `freed ${args[0]}`;
  }
  throw new Error(`unknown command ${JSON.stringify(verb)}: try malloc, calloc, realloc or free`);
}

$("reset").onclick = reset;
$("step").onclick = () => step(1);
$("step100").onclick = () => {
  const from = state.op;
  step(100);
  log(`stepped ${state.op - from} operations: now at ${state.op}`);
};
$("play").onclick = play;
$("end").onclick = () => {
  step(Infinity);
  log(`ran to the end: ${state.op} operations`);
};
for (const id of ["policy", "coalesce", "debug", "workload"]) $(id).onchange = reset;
$("command").onsubmit = (e) => {
  e.preventDefault();
  $("error").textContent = "";
  try {
    log(`> ${$("cmd").value}\n${command($("cmd").value)}`);
    draw();
  } catch (err) {
    $("error").textContent = err.message;
  }
};

await reset();
state.ready = true;
