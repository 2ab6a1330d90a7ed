// The package in a user's Vite build: "wasmalloc" resolves to the browser entry, the .wasm is
// emitted as an asset by new URL(…, import.meta.url), and the built page runs in Chromium.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { build } from "vite";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain JS module without types
import { serve } from "../scripts/serve.mjs";

const root = new URL("..", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

/**
 * Serves a built app, opens it in Chromium, waits for the page to put a JSON result in its
 * title, and returns that result with every page error and console error seen.
 */
async function runBuilt(out: string): Promise<{ result: Record<string, unknown>; errors: string[] }> {
  const { server, url } = await serve(out, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(`${url}/`);
    await page.waitForFunction(() => document.title.startsWith("{"), null, { timeout: 30_000 });
    return { result: JSON.parse(await page.title()), errors };
  } finally {
    await browser.close();
    server.close();
  }
}

describe("a Vite app importing wasmalloc", () => {
  const app = mkdtempSync(join(tmpdir(), "wasmalloc-vite-"));
  const out = join(app, "dist");

  it("bundles: the browser entry, the .wasm as an asset, no node: modules", async () => {
    mkdirSync(join(app, "node_modules"));
    symlinkSync(root, join(app, "node_modules", "wasmalloc"), "dir");
    writeFileSync(join(app, "index.html"), `<!doctype html><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>`);
    writeFileSync(join(app, "main.js"), `
import { createHeap } from "wasmalloc";
const heap = await createHeap({ policy: "best-fit" });
const p = heap.malloc(100);
heap.free(p);
document.title = JSON.stringify({ p, check: heap.check(), used: heap.stats().usedBlocks });
`);
    await build({ root: app, logLevel: "silent", build: { outDir: out, target: "es2022" } });
    const assets = readdirSync(join(out, "assets"));
    expect(assets.some((f) => f.endsWith(".wasm"))).toBe(true);
    const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(out, "assets", f), "utf8")).join("\n");
    expect(js).not.toMatch(/from\s*["']node:|import\(["']node:/);
    expect(js).toContain("wasmalloc");
    // The builds' base64 copies (src/generated/wasm.ts, for Node) stay out of the bundle.
    expect(assets.filter((f) => /AGFzbQ/.test(readFileSync(join(out, "assets", f), "latin1")))).toEqual([]);   // "\0asm" in base64
    expect(js.length).toBeLessThan(60_000);
  }, 120_000);

  it.skipIf(!haveChromium && process.env.CI !== "true")("the built page runs in Chromium", async () => {
    const { result, errors } = await runBuilt(out);
    expect(result.p).toBeGreaterThan(0);
    expect(result.check).toBeNull();
    expect(result.used).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe("a Vite app sharing a heap with a browser Worker", () => {
  const app = mkdtempSync(join(tmpdir(), "wasmalloc-vite-shared-"));
  const out = join(app, "dist");

  it.skipIf(!haveChromium && process.env.CI !== "true")("the worker attaches, allocates and frees; the page sees it all", async () => {
    mkdirSync(join(app, "node_modules"));
    symlinkSync(root, join(app, "node_modules", "wasmalloc"), "dir");
    writeFileSync(join(app, "index.html"), `<!doctype html><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>`);
    writeFileSync(join(app, "main.js"), `
import { attachHeap, createHeap } from "wasmalloc";
const heap = await createHeap({ shared: true });
const kept = heap.malloc(64);                          // allocated here, freed by the worker
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const handle = heap.share();
worker.postMessage({ handle, kept });
worker.onmessage = async ({ data }) => {
  heap.dispose();                                      // this instance's cached blocks go back
  const view = await attachHeap(handle);
  document.title = JSON.stringify({ isolated: crossOriginIsolated, ...data, check: view.check(), used: view.stats().usedBlocks });
};
`);
    writeFileSync(join(app, "worker.js"), `
import { attachHeap } from "wasmalloc";
onmessage = async ({ data }) => {
  const heap = await attachHeap(data.handle);
  const ptrs = [];
  for (let i = 0; i < 5000; i++) ptrs.push(heap.malloc(8 + (i % 50) * 8));
  for (const p of ptrs) heap.free(p);
  heap.free(data.kept);
  heap.dispose();
  postMessage({ allocated: ptrs.length });
};
`);
    await build({ root: app, logLevel: "silent", build: { outDir: out, target: "es2022" }, worker: { format: "es" } });
    const { result, errors } = await runBuilt(out);
    expect(result).toEqual({ isolated: true, allocated: 5000, check: null, used: 0 });
    expect(errors).toEqual([]);
  }, 120_000);
});
