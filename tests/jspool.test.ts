// The pure-JS pool baseline: the same Allocator contract as the wasm heap.
import { describe, expect, it } from "vitest";
import { HeapError, createJsPool } from "../src/index.js";
import { WORKLOADS, replay } from "../src/tools/index.js";

describe("the JS pool allocator", () => {
  it.each(Object.keys(WORKLOADS))("replays %s with every block's contents intact", (name) => {
    const pool = createJsPool();
    const result = replay(pool, WORKLOADS[name](), { verify: true });
    expect(result.ops).toBeGreaterThan(0);
    expect(pool.check()).toBeNull();
    expect(pool.stats()).toMatchObject({ usedBytes: 0, usedBlocks: 0 });
  });

  it("uses size classes: 16-byte steps to 512, then powers of two, 8-aligned", () => {
    const pool = createJsPool();
    const cases: [number, number][] = [[0, 16], [1, 16], [16, 16], [17, 32], [512, 512], [513, 1024], [5000, 8192]];
    for (const [n, usable] of cases) {
      const p = pool.malloc(n);
      expect(p % 8).toBe(0);
      expect(pool.usableSize(p)).toBe(usable);
    }
  });

  it("reuses freed blocks of a class last in, first out", () => {
    const pool = createJsPool();
    const [a, b] = [pool.malloc(40), pool.malloc(40)];
    pool.free(a);
    pool.free(b);
    expect(pool.malloc(33)).toBe(b);
    expect(pool.malloc(48)).toBe(a);
  });

  it("grows by doubling its buffer and keeps the data", () => {
    const pool = createJsPool({ initialBytes: 4096 });
    const p = pool.malloc(100);
    new Uint8Array(pool.buffer, p, 100).fill(7);
    const first = pool.buffer;
    for (let i = 0; i < 100; i++) pool.malloc(1000);
    expect(pool.buffer).not.toBe(first);
    expect(pool.buffer.byteLength).toBe(2 ** Math.ceil(Math.log2(pool.stats().extent)));
    expect(pool.stats().growCalls).toBeGreaterThan(3);
    expect(new Uint8Array(pool.buffer, p, 100).every((x) => x === 7)).toBe(true);
  });

  it("refuses double frees and foreign pointers, and returns 0 at its maximum", () => {
    const pool = createJsPool({ maximumBytes: 65536 });
    const p = pool.malloc(24);
    pool.free(p);
    expect(() => pool.free(p)).toThrow(expect.objectContaining({ code: "double-free" }));
    expect(() => pool.free(p + 4)).toThrow(HeapError);
    expect(() => pool.free(1 << 20)).toThrow(expect.objectContaining({ code: "invalid-pointer" }));
    expect(() => pool.malloc(-1)).toThrow(RangeError);
    expect(pool.malloc(2 ** 32)).toBe(0);
    expect(pool.malloc(100_000)).toBe(0);
    expect(pool.check()).toBeNull();
  });

  it("calloc zeroes reused blocks; realloc keeps the data", () => {
    const pool = createJsPool();
    const p = pool.malloc(64);
    new Uint8Array(pool.buffer, p, 64).fill(9);
    pool.free(p);
    const q = pool.calloc(8, 8);
    expect(q).toBe(p);
    expect(new Uint8Array(pool.buffer, q, 64).every((x) => x === 0)).toBe(true);
    new Uint8Array(pool.buffer, q, 64).fill(5);
    const r = pool.realloc(q, 1000);
    expect(new Uint8Array(pool.buffer, r, 64).every((x) => x === 5)).toBe(true);
    expect(pool.realloc(r, 10)).toBe(r);
  });
});
