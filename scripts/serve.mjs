// A small static server for the demo and the browser tests: the project directory over HTTP,
// with the COOP/COEP headers that a cross-origin-isolated page (shared memory) needs, and
// application/wasm for .wasm files so that compileStreaming works.
//
//   npm run demo            (builds, then serves http://localhost:5173/demo/)
//   PORT=8080 npm run demo

import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml",
  ".map": "application/json", ".ts": "text/plain; charset=utf-8",
};

/** Starts the server on `port` (0: any free port) and resolves to { server, url }. */
export function serve(root, port = 0, host = "127.0.0.1") {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    let file = join(base, path);
    if (!file.startsWith(base)) { res.writeHead(403).end("forbidden"); return; }
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      statSync(file);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => done({ server, url: `http://${host}:${server.address().port}` }));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL("..", import.meta.url).pathname;
  const port = Number(process.env.PORT ?? 5173);
  try {
    const { url } = await serve(root, port);
    console.log(`wasmalloc demo: ${url}/demo/  (Ctrl-C to stop)`);
  } catch (err) {
    if (err?.code !== "EADDRINUSE") throw err;
    console.error(`wasmalloc demo: port ${port} is taken; choose another with PORT, for example PORT=8080 npm run demo`);
    process.exitCode = 1;
  }
}
