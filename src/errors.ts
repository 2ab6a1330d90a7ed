// The errors the package throws, and the core's error codes.

/** Codes carried by {@link HeapError}. */
export type HeapErrorCode =
  | "double-free"
  | "invalid-pointer"
  | "out-of-memory"
  | "use-after-free"
  | "heap-overflow"
  | "heap-corrupt"
  | "bad-config"
  | "disposed";

/** A heap operation that was refused. The heap is unchanged by the refused call. */
export class HeapError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: HeapErrorCode;
  /** The pointer (or other value) concerned, when there is one. */
  readonly address: number | undefined;

  constructor(code: HeapErrorCode, message: string, address?: number) {
    super(message);
    this.name = "HeapError";
    this.code = code;
    this.address = address;
  }
}

/** The core's ErrorCode values (assembly/common.ts). */
export const CoreError = {
  OK: 0,
  DOUBLE_FREE: 1,
  INVALID_POINTER: 2,
  OUT_OF_MEMORY: 3,
  BAD_ALIGNMENT: 4,
  BAD_CONFIG: 5,
  USE_AFTER_FREE: 6,
  HEAP_OVERFLOW: 7,
} as const;

/**
 * Describes a debug-heap finding: a write after free at `offset`, or a write `offset` bytes
 * from the start of a block of `size` bytes that fell outside it.
 */
export function findingMessage(code: "use-after-free" | "heap-overflow", ptr: number, size: number, offset: number): string {
  const block = `block ${hex(ptr)} (${size} byte${size === 1 ? "" : "s"})`;
  if (code === "use-after-free") {
    return offset < 0
      ? `use-after-free: ${block} was written ${-offset} bytes before its start after it was freed`
      : `use-after-free: ${block} was written at offset ${offset} after it was freed`;
  }
  if (offset < 0) return `heap-overflow: ${block} was written ${-offset} byte${offset === -1 ? "" : "s"} before its start`;
  const past = offset - size + 1;
  return `heap-overflow: ${block} was written ${past} byte${past === 1 ? "" : "s"} past its end (the farthest at offset ${offset})`;
}

/** Formats a value for an error message without throwing on BigInt, symbols or cycles. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return "a function";
  return Array.isArray(value) ? "an array" : "an object";
}

/** Shows an address as decimal and hex. */
export function hex(address: number): string {
  return `${address} (0x${address.toString(16)})`;
}

/** The HeapError for a pointer the core refused. */
export function pointerError(fn: string, code: number, ptr: number): HeapError {
  if (code === CoreError.DOUBLE_FREE) {
    return new HeapError(
      "double-free",
      `${fn}(${hex(ptr)}): the block at this address is already free. Each block may be freed once.`,
      ptr,
    );
  }
  return new HeapError(
    "invalid-pointer",
    `${fn}(${hex(ptr)}): not the address of a live block from this heap's malloc, calloc, realloc or alignedAlloc.`,
    ptr,
  );
}
