// The trace format, and every Malloc Lab trace replayed through every policy with contents
// verified and check() run along the way. The traces live in ../shared (CI has them; a user's
// clone does not, and these tests then skip with a message).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { replay } from "../src/tools/replay.js";
import { OP_ALLOC, OP_FREE, OP_REALLOC, TraceError, formatTrace, parseTrace } from "../src/tools/trace.js";
import { CONFIGS } from "./helpers.js";

const TRACE_DIR = new URL("../../shared/traces/malloclab/", import.meta.url);
const haveTraces = existsSync(TRACE_DIR);
const inCI = process.env.CI === "true";

describe("the .rep format", () => {
  const text = "4096\n3\n5\n1\na 0 10\na 1 20\nr 0 30\nf 1\nf 0\n";

  it("parses and writes back byte for byte", () => {
    const t = parseTrace(text);
    expect(t).toMatchObject({ suggestedHeapSize: 4096, numIds: 3, weight: 1 });
    expect([...t.kinds]).toEqual([OP_ALLOC, OP_ALLOC, OP_REALLOC, OP_FREE, OP_FREE]);
    expect([...t.ids]).toEqual([0, 1, 0, 1, 0]);
    expect([...t.sizes]).toEqual([10, 20, 30, 0, 0]);
    expect(formatTrace(t)).toBe(text);
  });

  it.each([
    ["4096\n3\n", /expected the number of operations/],
    ["4096\n3\n1\n1\nx 0 1\n", /line 5: unknown operation "x"/],
    ["4096\n3\n1\n1\na 3 1\n", /line 5: block id 3 is not below/],
    ["4096\n3\n2\n1\na 0 1\n", /promises 2 operations, the file has 1/],
    ["4096\n3\n1\n1\na 0 -1\n", /expected a size/],
    ["4096\n3\n1\n1\nf 0 9\n", /"f" takes only an id/],
  ])("refuses %j", (bad, message) => {
    expect(() => parseTrace(bad)).toThrow(TraceError);
    expect(() => parseTrace(bad)).toThrow(message);
  });
});

describe("recording a live heap", () => {
  it("turns a heap's calls into a trace that replays to the same layout", async () => {
    const { recordHeap } = await import("../src/tools/record.js");
    const original = await createHeap({ policy: "best-fit" });
    const rec = recordHeap(original);
    const h = rec.heap;
    const a = h.malloc(100);
    const b = h.calloc(4, 8);
    const c = h.realloc(a, 300);
    h.free(b);
    h.realloc(0, 50);
    expect(() => h.free(b)).toThrow();                  // refused calls are not recorded
    h.free(c);
    const trace = rec.trace();
    expect(formatTrace(trace)).toBe("0\n3\n6\n1\na 0 100\na 1 32\nr 0 300\nf 1\na 2 50\nf 0\n");
    const again = await createHeap({ policy: "best-fit" });
    replay(again, parseTrace(formatTrace(trace)), { verify: true });
    expect(again.blocks()).toEqual(original.blocks());
    expect(h.check()).toBeNull();
  });
});

describe("Malloc Lab traces", () => {
  if (!haveTraces) {
    if (!inCI) console.warn("skipping the Malloc Lab replays: ../shared/traces/malloclab is not beside this clone (CI has it)");
    it.skipIf(!inCI)("skipped: ../shared/traces/malloclab is not beside this clone (CI has it)", () => {
      throw new Error("CI must have ../shared/traces/malloclab");
    });
    return;
  }
  const files = readdirSync(TRACE_DIR).filter((f) => f.endsWith(".rep")).sort();

  it("finds the traces", () => {
    expect(files.length).toBeGreaterThanOrEqual(22);
  });

  it.each(CONFIGS)("$policy/$coalesce: every trace replays with contents intact", async (cfg) => {
    for (const file of files) {
      const trace = parseTrace(readFileSync(new URL(file, TRACE_DIR), "utf8"));
      const heap = await createHeap(cfg);
      const every = Math.max(1, Math.floor(trace.kinds.length / 20));
      const result = replay(heap, trace, {
        verify: true,
        afterEach: (i) => {
          if (i % every === 0) {
            const v = heap.check();
            if (v) throw new Error(`${file} op ${i}: ${v.message}`);
          }
        },
      });
      expect(heap.check(), file).toBeNull();
      const s = heap.stats();
      if (file.endsWith("-bal.rep")) expect(s.usedBlocks, file).toBe(0);
      expect(result.peakPayload).toBeLessThanOrEqual(s.extent);
    }
  });
});
