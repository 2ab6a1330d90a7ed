// The lists that both the core (assembly/) and the TypeScript side keep: each pair must agree,
// so that a field, code, invariant or policy added on one side fails here until the other has it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CoreError } from "../src/errors.js";
import { COALESCING, DEBUG_PREFIX, POLICIES } from "../src/heap.js";
import { INVARIANTS } from "../src/invariants.js";
import { STAT_FIELDS } from "../src/stats.js";

const source = (file: string): string => readFileSync(new URL(`../assembly/${file}`, import.meta.url), "utf8");

/** The members of `export const enum name { A = 0, … }` in `text`, as [name, value] pairs. */
function enumMembers(text: string, name: string): [string, number][] {
  const body = new RegExp(`export const enum ${name} \\{([^}]*)\\}`).exec(text);
  if (!body) throw new Error(`no enum ${name}`);
  return [...body[1].matchAll(/^\s*([A-Z_]+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]);
}

const camel = (s: string): string => s.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe("the lists kept on both sides agree", () => {
  it("statistics: assembly/stats.ts's Stat enum and src/stats.ts's STAT_FIELDS, name for name, in order", () => {
    const stats = enumMembers(source("stats.ts"), "Stat").filter(([n]) => n !== "COUNT");
    expect(stats.map(([, v]) => v)).toEqual(stats.map((_, i) => i));
    expect(stats.map(([n]) => camel(n))).toEqual([...STAT_FIELDS]);
  });

  it("error codes: assembly/common.ts's ErrorCode and src/errors.ts's CoreError", () => {
    expect(Object.fromEntries(enumMembers(source("common.ts"), "ErrorCode"))).toEqual(CoreError);
  });

  it("policies and coalescing modes: assembly/common.ts's numbers and src/heap.ts's", () => {
    const common = source("common.ts");
    expect(Object.fromEntries(enumMembers(common, "Policy").map(([n, v]) => [n.toLowerCase().replace("_", "-"), v]))).toEqual(POLICIES);
    expect(Object.fromEntries(enumMembers(common, "Coalesce").map(([n, v]) => [n.toLowerCase(), v]))).toEqual(COALESCING);
  });

  it("invariants: the numbers assembly/check.ts and debug.ts define are the ones src/invariants.ts names", () => {
    const defined = [...(source("check.ts") + source("debug.ts")).matchAll(/^\/\/ {3}I(\d+) /gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
    expect(defined).toEqual(INVARIANTS.map((_, i) => i).slice(1));
    INVARIANTS.forEach((text, i) => { if (i > 0) expect(text.startsWith(`I${i}: `), text).toBe(true); });
  });

  it("the debug prefix: assembly/debug.ts's PREFIX, with the sequence number at its second word", () => {
    const debug = source("debug.ts");
    expect(Number(/@inline export const PREFIX: usize = (\d+);/.exec(debug)![1])).toBe(DEBUG_PREFIX);
    expect(debug).toMatch(/│ size {5}│ seq {6}│ state/);   // size at q+0, seq at q+4: what src/heap.ts reads
  });
});
