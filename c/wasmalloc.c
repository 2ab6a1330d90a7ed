/*
 * wasmalloc for C programs compiled to WebAssembly: malloc and friends as calls to the allocator,
 * imported from the module "wasmalloc" (see wasmalloc.h). Build the program with
 *   clang --target=wasm32-wasi ... wasmalloc.c -Wl,--import-memory -Wl,--export=__heap_base
 * and run it with linkProgram from the wasmalloc package.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmalloc.h"

#define WASMALLOC_IMPORT(name) __attribute__((import_module("wasmalloc"), import_name(name)))

WASMALLOC_IMPORT("malloc") void *wasmalloc_malloc_(size_t size);
WASMALLOC_IMPORT("free") int wasmalloc_free_(void *ptr);
WASMALLOC_IMPORT("calloc") void *wasmalloc_calloc_(size_t count, size_t size);
WASMALLOC_IMPORT("realloc") void *wasmalloc_realloc_(void *ptr, size_t size);
WASMALLOC_IMPORT("alignedAlloc") void *wasmalloc_aligned_(size_t alignment, size_t size);
WASMALLOC_IMPORT("usableSize") size_t wasmalloc_usable_(void *ptr);
WASMALLOC_IMPORT("heap_last_error") int wasmalloc_last_error_(void);
WASMALLOC_IMPORT("heap_check") int wasmalloc_check_(void);
/* Reports a refused call to the host, which throws (linkProgram: a HeapError naming the call). */
WASMALLOC_IMPORT("refused") void wasmalloc_refused_(int call, int code, void *ptr);

/* The calls, as wasmalloc_refused_ names them. */
enum { CALL_MALLOC, CALL_FREE, CALL_CALLOC, CALL_REALLOC, CALL_ALIGNED, CALL_USABLE };

int wasmalloc_last_error(void) { return wasmalloc_last_error_(); }
int wasmalloc_check(void) { return wasmalloc_check_(); }

/*
 * A call refused for a bad pointer or a debug-heap finding: the host reports it and stops the
 * program (a trap if it returns), unless built with WASMALLOC_NO_TRAP.
 */
static void refused(int call, int code, void *ptr) {
#ifndef WASMALLOC_NO_TRAP
  wasmalloc_refused_(call, code, ptr);
  __builtin_trap();
#endif
}

/* After a call returned NULL: out of memory sets errno, anything else was a refusal. */
static void *failed(int call, void *ptr) {
  int code = wasmalloc_last_error_();
  if (code == WASMALLOC_OUT_OF_MEMORY || code == WASMALLOC_OK) errno = ENOMEM;
  else if (code == WASMALLOC_BAD_ALIGNMENT) errno = EINVAL;
  else refused(call, code, ptr);
  return NULL;
}

void *malloc(size_t size) {
  void *p = wasmalloc_malloc_(size);
  return p ? p : failed(CALL_MALLOC, NULL);
}

void free(void *ptr) {
  int code = wasmalloc_free_(ptr);
  if (code != WASMALLOC_OK) refused(CALL_FREE, code, ptr);
}

void *calloc(size_t count, size_t size) {
  void *p = wasmalloc_calloc_(count, size);
  return p ? p : failed(CALL_CALLOC, NULL);
}

void *realloc(void *ptr, size_t size) {
  void *p = wasmalloc_realloc_(ptr, size);
  return p ? p : failed(CALL_REALLOC, ptr);
}

void *aligned_alloc(size_t alignment, size_t size) {
  void *p = wasmalloc_aligned_(alignment, size);
  return p ? p : failed(CALL_ALIGNED, NULL);
}

void *memalign(size_t alignment, size_t size) {
  return aligned_alloc(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *p = wasmalloc_aligned_(alignment, size);
  if (!p) {
    failed(CALL_ALIGNED, NULL);
    return ENOMEM;
  }
  *out = p;
  return 0;
}

size_t malloc_usable_size(void *ptr) {
  if (!ptr) return 0;
  size_t n = wasmalloc_usable_(ptr);
  if (n == 0) refused(CALL_USABLE, wasmalloc_last_error_(), ptr);
  return n;
}

/* wasi-libc's own callers (atexit, locales) use these names: defined here, its dlmalloc stays out. */
void *__libc_malloc(size_t size) { return malloc(size); }
void __libc_free(void *ptr) { free(ptr); }
void *__libc_calloc(size_t count, size_t size) { return calloc(count, size); }
