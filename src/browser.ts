// The package's browser entry ("browser" condition of "wasmalloc"): the same API, with the .wasm
// files fetched next to the package (new URL(…, import.meta.url), which bundlers such as Vite
// follow and emit as assets) and compiled while they stream in. No node: module is imported.

import { setWasmSource } from "./loader.js";

const urls = {
  release: new URL("../build/wasmalloc.wasm", import.meta.url),
  debug: new URL("../build/wasmalloc.debug.wasm", import.meta.url),
  shared: new URL("../build/wasmalloc.shared.wasm", import.meta.url),
  foreign: new URL("../build/wasmalloc.foreign.wasm", import.meta.url),
  "foreign-debug": new URL("../build/wasmalloc.foreign.debug.wasm", import.meta.url),
};

setWasmSource(async (build) => {
  const response = await fetch(urls[build]);
  if (!response.ok) throw new Error(`wasmalloc: cannot load ${urls[build]}: HTTP ${response.status}`);
  // compileStreaming needs the server to send application/wasm; fall back to the bytes if not.
  if (response.headers.get("content-type")?.startsWith("application/wasm")) return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
});

export * from "./index.js";
