// Typed arrays on the heap whose views survive memory growth.
//
// A TypedArray over wasm memory dies when memory.grow replaces the buffer (Node 20 has no
// resizable buffers for wasm memory). A handle keeps the address and length instead, and
// re-creates its view whenever the buffer has changed.

import type { HeapArray, TypedArrayConstructor } from "./api.js";
import { HeapError, hex } from "./errors.js";
import type { WasmMemory } from "./wasm-types.js";

/** A typed array placed on a heap. */
export class HeapArrayHandle<T extends ArrayBufferView> implements HeapArray<T> {
  readonly ptr: number;
  readonly length: number;
  #ctor: TypedArrayConstructor;
  #memory: WasmMemory;
  #release: (ptr: number) => void;
  #buffer: ArrayBuffer | SharedArrayBuffer | null = null;
  #view: T | null = null;
  #live = true;

  constructor(ctor: TypedArrayConstructor, memory: WasmMemory, ptr: number, length: number,
    release: (ptr: number) => void) {
    this.#ctor = ctor;
    this.#memory = memory;
    this.ptr = ptr;
    this.length = length;
    this.#release = release;
  }

  get view(): T {
    if (!this.#live) {
      throw new HeapError("use-after-free", `HeapArray at ${hex(this.ptr)}: view read after free()`, this.ptr);
    }
    const buffer = this.#memory.buffer;
    if (buffer !== this.#buffer) {
      this.#view = new this.#ctor(buffer, this.ptr, this.length) as unknown as T;
      this.#buffer = buffer;
    }
    return this.#view as T;
  }

  /** Frees the block unless free() already did (what `using` calls at the end of the scope). */
  [Symbol.dispose](): void {
    if (this.#live) this.free();
  }

  free(): void {
    if (!this.#live) {
      throw new HeapError("double-free", `HeapArray at ${hex(this.ptr)}: free() called twice`, this.ptr);
    }
    this.#release(this.ptr);
    this.#live = false;
    this.#view = null;
    this.#buffer = null;
  }
}
