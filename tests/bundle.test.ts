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
  }, 120_000);

  it.skipIf(!haveChromium && process.env.CI !== "true")("the built page runs in Chromium", async () => {
    const { server, url } = await serve(out, 0);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${url}/`);
      await page.waitForFunction(() => document.title.startsWith("{"), null, { timeout: 20_000 });
      const result = JSON.parse(await page.title());
      expect(result.p).toBeGreaterThan(0);
      expect(result.check).toBeNull();
      expect(result.used).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 60_000);
});
