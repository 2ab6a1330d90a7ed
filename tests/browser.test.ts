// The demo page in real headless Chromium (Debian's chromium, driven by playwright-core): it
// loads the package as users do, runs a replay, draws the expected number of blocks, logs no
// errors, and leaves a screenshot in build/screenshots/. A clone without Chromium skips this
// with a message; CI installs Chromium and must run it.
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHeap } from "../src/index.js";
import { WORKLOADS } from "../src/tools/index.js";
// @ts-expect-error: a plain JS module without types
import { serve } from "../scripts/serve.mjs";

const CHROMIUM = "/usr/bin/chromium";
const root = new URL("..", import.meta.url).pathname;
const have = existsSync(CHROMIUM);
const inCI = process.env.CI === "true";
if (!have && !inCI) console.warn(`skipping the browser tests: ${CHROMIUM} is not installed (apt-get install chromium; CI installs it)`);

describe.skipIf(!have && !inCI)("the demo page in headless Chromium", () => {
  let browser: Browser;
  let server: { close(): void };
  let url: string;

  beforeAll(async () => {
    if (!have) throw new Error(`CI must have ${CHROMIUM}: .ci/run installs it`);
    ({ server, url } = await serve(root, 0));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it("runs a replay, draws one box per block, and logs no errors", async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/demo/`);
    await page.waitForFunction(() => (window as unknown as { __demo?: { ready?: boolean } }).__demo?.ready === true, null, { timeout: 20_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);     // COOP/COEP are in place

    await page.selectOption("#workload", "alternating small/large");
    await page.waitForFunction(() => (window as unknown as { __demo: { op: number; trace: { kinds: { length: number } } } }).__demo.trace.kinds.length === 6000);
    for (let i = 0; i < 25; i++) await page.click("#step100");
    const shown = await page.evaluate(() => {
      const d = (window as unknown as { __demo: { op: number; blocks: number; rects: number } }).__demo;
      return { op: d.op, blocks: d.blocks, rects: d.rects, progress: document.getElementById("progress")!.textContent };
    });
    expect(shown.op).toBe(2500);
    expect(shown.progress).toBe("operation 2500 of 6000");

    // The same workload and the same operations in Node give the number of blocks to expect.
    const heap = await createHeap();
    const t = WORKLOADS["alternating small/large"]();
    const ptrs: number[] = [];
    for (let i = 0; i < 2500; i++) {
      if (t.kinds[i] === 0) ptrs[t.ids[i]] = heap.malloc(t.sizes[i]);
      else if (t.kinds[i] === 2) heap.free(ptrs[t.ids[i]]);
    }
    expect(shown.blocks).toBe(heap.blocks().length);
    expect(shown.rects).toBe(shown.blocks);
    expect(await page.locator("#map rect[data-kind=free]").count()).toBe(heap.blocks().filter((b) => b.kind === "free").length);

    expect(await page.textContent("h1")).toMatch(/the heap as a parking lot/);
    expect(await page.textContent("#about")).toMatch(/Each box is a block of the heap/);
    await expect.poll(() => page.textContent("#log")).toMatch(/stepped 100 operations: now at 2500/);
    expect(await page.locator("#stats td", { hasText: /^quarantinedBlocks$/ }).count()).toBe(0);   // a release heap
    await page.fill("#cmd", "malloc 100");
    await page.click("#command button");
    await expect.poll(() => page.textContent("#log")).toMatch(/t1 = \d+/);
    // Its name is on its box's tooltip, and written on the box where the box is wide enough:
    // on a fresh heap, where a 104-byte block is a wide box.
    await expect.poll(() => page.locator("#map rect title", { hasText: /^t1: used block/ }).count()).toBe(1);
    await page.click("#reset");
    await page.fill("#cmd", "malloc 100");
    await page.click("#command button");
    await expect.poll(() => page.locator("#map text[data-label]").count()).toBe(1);

    mkdirSync(`${root}build/screenshots`, { recursive: true });
    await page.screenshot({ path: `${root}build/screenshots/demo.png` });
    expect(existsSync(`${root}build/screenshots/demo.png`)).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it("a C program built with the shim runs through linkProgram in the page, and a double free stops it with a HeapError", async () => {
    // Built by scripts/programs.mjs (npm test's pretest) when clang is there; CI installs it.
    if (!existsSync(`${root}build/programs/list-wasmalloc.wasm`)) {
      if (inCI) throw new Error("CI must build build/programs/list-wasmalloc.wasm (npm run build:programs)");
      console.warn("skipping the C program in the browser: build/programs/list-wasmalloc.wasm is not built (it needs clang)");
      return;
    }
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/tests/fixtures/program.html`);
    await page.waitForFunction(() => (window as unknown as { __program?: unknown }).__program !== undefined, null, { timeout: 20_000 });
    const result = await page.evaluate(() => (window as unknown as { __program: Record<string, unknown> }).__program);
    expect(result).toEqual({
      sum: 249_500 + 2000,
      usedBlocks: 1,                         // (misuse's `keep`: the double free stopped it before it freed it)
      check: null,
      refused: { name: "HeapError", code: "double-free", message: expect.stringMatching(/^free\(\d+ \(0x[0-9a-f]+\)\): the block at this address is already free/) },
    });
    expect(errors).toEqual([]);
  }, 60_000);

  it("a typed command that fails shows its error on the page", async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/demo/`);
    await page.waitForFunction(() => (window as unknown as { __demo?: { ready?: boolean } }).__demo?.ready === true);
    await page.fill("#cmd", "free 12345");
    await page.click("#command button");
    await expect.poll(() => page.textContent("#error")).toMatch(/invalid-pointer|not the address of a live block/);
    // Bad names and sizes are refused in words, and a request the heap cannot serve says so.
    for (const [cmd, says] of [
      ["free t99", /unknown name t99/],
      ["malloc abc", /"abc" is not a size in bytes/],
      ["realloc banana 10", /"banana" is neither a name/],
    ] as const) {
      await page.fill("#cmd", cmd);
      await page.click("#command button");
      await expect.poll(() => page.textContent("#error")).toMatch(says);
    }
    await page.fill("#cmd", "malloc 99999999999");
    await page.click("#command button");
    await expect.poll(() => page.textContent("#log")).toMatch(/out of memory: no block of 99999999999 bytes/);
  }, 60_000);
});
