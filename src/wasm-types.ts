// The WebAssembly types that the public signatures name, declared here by their shape, so that the
// package's .d.ts files need no DOM lib: under `lib: ["es2022"]` with @types/node, TypeScript has
// no `WebAssembly` namespace at all. Each is assignable both ways with the DOM lib's type of the
// same name where one exists: a WebAssembly.Memory is a WasmMemory, and a WasmMemory is one.

/** A WebAssembly.Memory: its buffer, and grow. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

/** A WebAssembly.Module, compiled and opaque (the DOM lib's declares no member either). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WasmModule {}

/** The bytes of a module, as WebAssembly.compile takes them (the DOM lib's BufferSource). */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/** A module's imports by module and field name (WebAssembly.Imports). */
export type WasmImports = Record<string, Record<string, unknown>>;

/** An instance's exports by name (WebAssembly.Exports). */
export type WasmExports = Record<string, unknown>;

declare global {
  // Explicit resource management (`using`), declared as @types/node declares it, so that the
  // [Symbol.dispose] methods type-check under any lib from es2022 on: with TypeScript's own
  // esnext.disposable lib or @types/node, these merge with theirs.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
}
