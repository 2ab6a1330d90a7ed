// Slow paths for arguments that are not plain u32 integers. The fast paths in heap.ts test
// `typeof x === "number" && (x >>> 0) === x` and call these only when that fails.

import { HeapError, describe } from "./errors.js";

/** 2^32: no wasm32 block can be this large. */
export const U32_LIMIT = 2 ** 32;

/**
 * A size that is not a u32: throws TypeError for a non-number and RangeError for NaN,
 * ±Infinity, fractions and negative numbers; returns 0 (the C result for a request that cannot
 * be met) for an integer of 2^32 or more.
 */
export function oversizeOrThrow(fn: string, arg: string, value: unknown): 0 {
  if (typeof value !== "number") {
    throw new TypeError(`${fn}: ${arg} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${fn}: ${arg} must be a non-negative integer, got ${describe(value)}`);
  }
  return 0;
}

/**
 * A pointer that is not a u32: throws TypeError for a non-number, and HeapError
 * "invalid-pointer" for any other number (negative, fractional, NaN, 2^32 or more), which no
 * allocation can have returned.
 */
export function badPointer(fn: string, value: unknown): never {
  if (typeof value !== "number") {
    throw new TypeError(`${fn}: ptr must be a number, got ${describe(value)}`);
  }
  throw new HeapError(
    "invalid-pointer",
    `${fn}(${describe(value)}): not an address this heap can have returned (pointers are integers from 0 to 2^32 - 1)`,
    value,
  );
}

/** Checks an integer option or argument in [min, max] (max may be Infinity); throws TypeError or RangeError. */
export function integerIn(fn: string, arg: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`${fn}: ${arg} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max !== Infinity ? `an integer from ${min} to ${max}` : min === 0 ? "a non-negative integer" : `an integer of at least ${min}`;
    throw new RangeError(`${fn}: ${arg} must be ${range}, got ${describe(value)}`);
  }
  return value;
}
