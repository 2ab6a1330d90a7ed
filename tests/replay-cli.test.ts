// wasmalloc replay and wasmalloc compare, as a user runs them; and the replay tool checked
// against the published figures for the peers on the Malloc Lab default suite.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const cli = (...args: string[]): string => execFileSync(process.execPath, ["dist/tools/cli.js", ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
/** Runs the CLI expecting it to fail; returns what it printed on stderr. */
const fails = (...args: string[]): string => {
  try {
    execFileSync(process.execPath, ["dist/tools/cli.js", ...args], { cwd: root, stdio: "pipe" });
  } catch (e) {
    return String((e as { stderr: Buffer }).stderr);
  }
  throw new Error(`wasmalloc ${args.join(" ")} did not fail`);
};
const dir = mkdtempSync(join(tmpdir(), "wasmalloc-replay-"));
const small = join(dir, "small.rep");
writeFileSync(small, "0\n4\n6\n1\na 0 10\na 1 20\na 2 30\nf 1\na 3 100\nr 0 200\n");

describe("the CLI's help", () => {
  it("--help, -h, help and no command print the usage with every command and option; --version the version", () => {
    for (const args of [["--help"], ["-h"], ["help"], []]) {
      const out = cli(...args);
      for (const word of ["demo", "compare", "replay", "map", "plot", "--policy", "--coalesce", "--peers", "--samples", "--at"]) {
        expect(out).toContain(word);
      }
    }
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(cli("--version").trim()).toBe(version);
    expect(cli("-v").trim()).toBe(version);
  });

  it("refuses what it would otherwise take silently, with a message and a pointer to --help", () => {
    expect(fails("compare", "extra")).toMatch(/compare takes only --peers-dir, got "extra"/);
    expect(fails("compare", "--json")).toMatch(/compare takes only --peers-dir, got "--json"/);
    expect(fails("map", "/nope.rep")).toMatch(/^wasmalloc: no such trace file: \/nope\.rep/);
    expect(fails("plot", "/nope.rep")).toMatch(/no such trace file/);
    const trace = join(dir, "tiny.rep");
    writeFileSync(trace, "20000\n1\n2\n1\na 0 100\nf 0\n");
    expect(fails("plot", trace, "--samples", "0")).toMatch(/--samples takes an integer of 2 or more, got 0/);
    expect(fails("map", trace, "--polcy", "x")).toMatch(/^wasmalloc: .*--polcy[^]*wasmalloc --help lists the commands/);
    expect(fails("bogus")).not.toMatch(/usage:/);         // the one-line error, not the whole usage again
    expect(fails("replay", trace, "--peers", "foo")).toMatch(/^wasmalloc: unknown peer "foo"; known: js-pool, tlsf, dlmalloc, emmalloc, thi\.ng, all/);
    // A C peer that is not where it is looked for: where it was looked for, and how to point at it.
    expect(fails("replay", trace, "--peers", "dlmalloc", "--peers-dir", "/nope")).toMatch(
      /^wasmalloc: dlmalloc: \/nope\/dlmalloc\.wasm is missing\. The C peers are not shipped: .* pass --peers-dir DIR or set WASMALLOC_PEERS=DIR/);
  });
});

describe("wasmalloc replay", () => {
  it("measures and verifies every policy, as JSON", () => {
    const out = JSON.parse(cli("replay", small, "--policy", "all", "--json"));
    const results = out.traces[0].results;
    expect(results.map((r: { allocator: string }) => r.allocator)).toEqual(["wasmalloc:first-fit", "wasmalloc:next-fit", "wasmalloc:best-fit", "wasmalloc:segregated"]);
    for (const r of results) {
      expect(r).toMatchObject({ ops: 6, verified: "ok" });
      expect(r.utilization).toBeGreaterThan(0.5);            // peak 330 bytes live in a heap of 404
      expect(r.utilization).toBeLessThanOrEqual(1);
      // The payload span lies inside the extent, so its measure is never the lower one.
      expect(r.spanUtilization).toBeGreaterThanOrEqual(r.utilization);
      expect(r.spanUtilization).toBeLessThanOrEqual(1);
      expect(r.opsPerSecond).toBeGreaterThan(0);
    }
  });

  it("prints a table with a suite line, and takes directories", () => {
    const out = cli("replay", dir, "--peers", "js-pool");
    expect(out).toMatch(/small\.rep\s+wasmalloc:segregated\s+0\.\d{3}/);   // the library's default policy
    expect(out).toMatch(/SUITE \(mean util, total ops\/s\)\s+js-pool/);
  });

  it("stops with the allocator's own error when its replay fails in its worker", () => {
    // Each allocator is measured in a worker of its own (src/tools/measure-worker.ts); a replay
    // that throws there ends the command with that error, not with a bare worker failure.
    const huge = join(dir, "huge.rep");
    writeFileSync(huge, "0\n1\n2\n1\na 0 4294967295\nf 0\n");
    expect(fails("replay", huge, "--peers", "js-pool")).toMatch(/^wasmalloc: replay: out of memory at operation 0 \(4294967295 bytes\)/);
  });

  it("refuses bad arguments with the usage", () => {
    expect(fails("replay")).toMatch(/give at least one trace/);
    expect(fails("replay", join(dir, "nope.rep"))).toMatch(/no such file/);
    expect(fails("replay", small, "--policy", "worst-fit")).toMatch(/unknown policy/);
    expect(fails("replay", small, "--peers", "nobody")).toMatch(/unknown peer "nobody"/);
  });
});

describe("wasmalloc compare (npm start)", () => {
  it("runs every allocator on every bundled workload, verified", () => {
    const out = cli("compare");
    for (const w of ["small objects", "alternating small/large", "coalescing", "random sizes", "vector growth", "producer/consumer"]) {
      expect(out).toContain(w);
    }
    for (const a of ["wasmalloc:first-fit", "wasmalloc:best-fit", "js-pool", "tlsf", "thi.ng"]) expect(out).toContain(`SUITE (mean util, total ops/s)  ${a}`);
    expect(out).not.toMatch(/FAILED/);
    // It ends with its reading: the winners over the suite and on each workload.
    expect(out).toMatch(/Reading:\n- fastest over the suite: \S+, \d+\.\d\d× \S+ \(its runs of a workload spread by \d+% at the median/);
    expect(out).toMatch(/- tightest over the suite \(mean utilization of the payload span\): \S+, 0\.\d{3}/);
    expect(out).toMatch(/- vector growth: fastest \S+, tightest \S+ \([01]\.\d{3}\)/);
  }, 60_000);
});

const SUITE = ["amptjp", "cccp", "cp-decl", "expr", "coalescing", "random", "random2", "binary", "binary2", "realloc", "realloc2"];
const traces = new URL("../../shared/traces/malloclab/", import.meta.url).pathname;
const haveTraces = existsSync(traces);
if (!haveTraces && process.env.CI !== "true") console.warn("skipping the replay check against published figures: ../shared/traces/malloclab is not beside this clone");

describe.skipIf(!haveTraces && process.env.CI !== "true")("the replay tool against the published peer figures", () => {
  it("reproduces TLSF's 0.79 and @thi.ng/malloc's 0.88 mean utilization on the default suite", () => {
    const suite = join(dir, "suite");
    mkdirSync(suite);
    for (const t of SUITE) symlinkSync(join(traces, `${t}-bal.rep`), join(suite, `${t}-bal.rep`));
    const out = JSON.parse(cli("replay", suite, "--peers", "tlsf,thi.ng", "--json"));
    const mean = (name: string): number => out.traces.reduce((s: number, t: { results: { allocator: string; utilization: number }[] }) =>
      s + t.results.find((r) => r.allocator === name)!.utilization, 0) / out.traces.length;
    expect(out.traces).toHaveLength(11);
    expect(Math.abs(mean("tlsf") - 0.79)).toBeLessThan(0.02);
    expect(Math.abs(mean("thi.ng") - 0.88)).toBeLessThan(0.02);
  }, 120_000);

  it("replays the C peers from ../shared/peers, or from --peers-dir and WASMALLOC_PEERS", () => {
    const peers = new URL("../../shared/peers/", import.meta.url).pathname;
    const allocators = (out: string): string[] => JSON.parse(out).traces[0].results.map((r: { allocator: string; verified: string }) => `${r.allocator}:${r.verified}`);
    const all = cli("replay", join(traces, "amptjp-bal.rep"), "--peers", "all", "--json");
    expect(allocators(all)).toEqual(["wasmalloc:segregated", "js-pool", "tlsf", "dlmalloc", "emmalloc", "thi.ng"].map((a) => `${a}:ok`));
    const elsewhere = join(dir, "peers");
    mkdirSync(elsewhere);
    symlinkSync(join(peers, "emmalloc.wasm"), join(elsewhere, "emmalloc.wasm"));
    expect(allocators(cli("replay", join(traces, "cccp-bal.rep"), "--peers", "emmalloc", "--peers-dir", elsewhere, "--json"))).toEqual(["wasmalloc:segregated:ok", "emmalloc:ok"]);
    const viaEnv = execFileSync(process.execPath, ["dist/tools/cli.js", "replay", join(traces, "cccp-bal.rep"), "--peers", "emmalloc", "--json"],
      { cwd: root, encoding: "utf8", env: { ...process.env, WASMALLOC_PEERS: elsewhere } });
    expect(allocators(viaEnv)).toEqual(["wasmalloc:segregated:ok", "emmalloc:ok"]);
  }, 120_000);
});
