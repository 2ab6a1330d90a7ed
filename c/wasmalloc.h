/*
 * wasmalloc for C programs compiled to WebAssembly: the header of the shim (wasmalloc.c).
 *
 * Compile wasmalloc.c into the program. It defines malloc, free, calloc, realloc, aligned_alloc,
 * posix_memalign, memalign and malloc_usable_size as calls to the allocator's wasm exports, which
 * the program imports from the module "wasmalloc"; wasmalloc's linkProgram (JS) supplies them and
 * the memory. Defining them in the program keeps wasi-libc's dlmalloc out of the link.
 *
 * A free, realloc or malloc_usable_size of a pointer that is not a live block (a double free, a
 * stack address, a pointer into a block) traps, as glibc aborts, and so do the debug heap's
 * findings (an overflow into a canary, a write after free). Built with -DWASMALLOC_NO_TRAP, such a
 * call changes nothing and returns normally instead (realloc returns NULL), and
 * wasmalloc_last_error() tells what happened.
 */
#ifndef WASMALLOC_H
#define WASMALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The allocator's error codes (assembly/common.ts, ErrorCode). */
enum {
  WASMALLOC_OK = 0,
  WASMALLOC_DOUBLE_FREE = 1,      /* the pointer is a block that is already free */
  WASMALLOC_INVALID_POINTER = 2,  /* the pointer is not the payload of a live block */
  WASMALLOC_OUT_OF_MEMORY = 3,    /* the heap cannot grow enough */
  WASMALLOC_BAD_ALIGNMENT = 4,    /* an alignment that is not a power of two */
  WASMALLOC_USE_AFTER_FREE = 6,   /* debug heap: a freed block was written in quarantine */
  WASMALLOC_HEAP_OVERFLOW = 7     /* debug heap: a write before or past a block hit its canary */
};

/* Defined by the shim beside malloc and friends (wasi-libc's headers do not declare them). */
size_t malloc_usable_size(void *ptr);
void *memalign(size_t alignment, size_t size);

/* The error of the last call the allocator refused or could not serve (WASMALLOC_OK if none). */
int wasmalloc_last_error(void);

/* Walks the heap: 0 when every invariant holds, else the number of the first that fails. */
int wasmalloc_check(void);

#ifdef __cplusplus
}
#endif

#endif /* WASMALLOC_H */
