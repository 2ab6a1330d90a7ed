// The shared build: one heap in a shared WebAssembly.Memory, used by several instances (one per
// worker) at once. Compiled only with --enable threads --sharedMemory --importMemory (the asconfig
// target "shared"); index.ts calls into this file under `if (ASC_FEATURE_THREADS)`, so the plain
// builds contain none of it.
//
// - The lock is one word in the heap's state, so every instance finds it: 0 free, 1 held, 2 held
//   with waiters. Taking it: a compare-and-swap, a short spin, then atomic.wait; giving it back
//   notifies one waiter. A browser's main thread may not wait, so an instance told so
//   (heap_set_can_wait(0)) keeps spinning instead.
// - Each instance keeps a cache of small free blocks. The cache's address sits in a global, and
//   globals are per instance, so they are the worker's thread-local storage. malloc and free of
//   blocks up to CACHE_MAX_SIZE bytes go through it without the lock. A cached block stays "used"
//   in the heap, with its C header bit set, so a second free of it is still a double free.
//   Blocks move between threads freely: a block freed by a worker that did not allocate it goes
//   into the freeing worker's cache, or back to the heap.
// - Errors are per instance too (lastError here, not the state's), so one worker's failure is not
//   overwritten by another's before it is read.
// - No header update can be lost between the lock holder and a cache owner. A cache owner
//   writes only the C bit, only of used blocks in its own cache, with atomic.or/and. The lock
//   holder writes whole headers only of blocks that no cache holds: free blocks, the block it is
//   allocating, freeing, resizing or splitting (a cached block is refused before any of these),
//   and internal blocks, which are never cached. The one header it changes on a block that a
//   cache may hold is a right neighbour's L bit, and SETLEFTUSED and CLEARLEFTUSED are atomic in
//   this build (block.ts). tests/shared.test.ts runs cached and uncached workers freeing
//   neighbours of each other's blocks, and checks the heap after.

import { ErrorCode } from "./common";
import { BLOCK_OVERHEAD, CACHED, MIN_BLOCK, SIZE, mem2block, request2size } from "./block";
import { allocate, allocateInternal } from "./alloc";
import { deallocate, releaseInternal } from "./free";
import { validate } from "./guard";
import { reallocate, usableSize_ } from "./realloc";
import { HeapState, ST } from "./state";

/** Blocks up to this size (header included) are cached. */
// @ts-ignore: decorator
@inline const CACHE_MAX_SIZE: usize = 256;
/** One class per block size from MIN_BLOCK to CACHE_MAX_SIZE, in steps of 8. */
// @ts-ignore: decorator
@inline const CACHE_CLASSES: usize = (CACHE_MAX_SIZE - MIN_BLOCK) / 8 + 1;
/** Blocks a class holds. */
// @ts-ignore: decorator
@inline const CACHE_SLOTS: u32 = 32;
/** A class: a count, then CACHE_SLOTS payload pointers. */
// @ts-ignore: decorator
@inline const CLASS_BYTES: usize = 4 + (<usize>CACHE_SLOTS << 2);
/** Spins before waiting for the lock. */
// @ts-ignore: decorator
@inline const SPINS: i32 = 64;

/** This instance's cache block (a heap block), or 0. */
// @ts-ignore: decorator
@lazy let cache: usize = 0;
/** Whether this instance uses a cache (heap_set_cache). */
// @ts-ignore: decorator
@lazy let caching: bool = true;
/** Whether this thread may block in atomic.wait (not a browser's main thread). */
// @ts-ignore: decorator
@lazy let canWait: bool = true;
/** This instance's last error and its address. */
// @ts-ignore: decorator
@lazy let lastError: u32 = 0;
// @ts-ignore: decorator
@lazy let lastAddress: usize = 0;

/** The lock word. */
// @ts-ignore: decorator
@inline function LOCK(): usize { return changetype<usize>(ST()) + offsetof<HeapState>("lock"); }
/** The sequence word: odd while the lock is held. */
// @ts-ignore: decorator
@inline function SEQ(): usize { return changetype<usize>(ST()) + offsetof<HeapState>("seq"); }

/**
 * validate, without the lock when it can: the pointer check steps through neighbouring headers,
 * which other workers rewrite under the lock, so a check is kept only when the sequence word was
 * even before it and unchanged after it (a seqlock); otherwise it runs again under the lock. The
 * check's loads stay inside memory even when what it reads is mid-update (starts.ts, ISSTART).
 */
function validateUnlocked(ptr: usize): u32 {
  const s1 = atomic.load<u32>(SEQ());
  if ((s1 & 1) == 0) {
    const err = validate(ptr);
    if (atomic.load<u32>(SEQ()) == s1) return err;
  }
  lockHeap();
  const err = validate(ptr);
  unlockHeap();
  return err;
}

/** Takes the heap's lock. */
export function lockHeap(): void {
  acquire();
  atomic.add<u32>(SEQ(), 1);                // odd: the heap may change from here
}

function acquire(): void {
  const a = LOCK();
  if (atomic.cmpxchg<i32>(a, 0, 1) == 0) return;
  for (let i = 0; i < SPINS; i++) {
    if (atomic.load<i32>(a) == 0 && atomic.cmpxchg<i32>(a, 0, 1) == 0) return;
  }
  if (!canWait) {
    while (atomic.cmpxchg<i32>(a, 0, 1) != 0) {}
    return;
  }
  let c = atomic.xchg<i32>(a, 2);
  while (c != 0) {
    atomic.wait<i32>(a, 2, -1);
    c = atomic.xchg<i32>(a, 2);
  }
}

/** Gives the heap's lock back, waking one waiter if there is one. */
export function unlockHeap(): void {
  atomic.add<u32>(SEQ(), 1);                // even: a stable heap again
  const a = LOCK();
  if (atomic.sub<i32>(a, 1) != 1) {
    atomic.store<i32>(a, 0);
    atomic.notify(a, 1);
  }
}

/** Copies the state's error into this instance's (call with the lock held, after a failure). */
export function keepError(): void {
  const st = ST();
  lastError = st.lastError;
  lastAddress = <usize>st.errorAddress;
}
/** This instance's last error. */
export function sharedLastError(): u32 { return lastError; }
/** The address that went with it. */
export function sharedErrorAddress(): usize { return lastAddress; }
/** Records an error for this instance and returns `code`. */
function refuse(code: u32, address: usize): u32 {
  lastError = code;
  lastAddress = address;
  return code;
}

/** The class of a block of `size` bytes (size <= CACHE_MAX_SIZE). */
// @ts-ignore: decorator
@inline function CLASS(size: usize): usize { return cache + ((size - MIN_BLOCK) >> 3) * CLASS_BYTES; }

/** Whether `ptr` is a block in some worker's cache (freed by the user already). */
// @ts-ignore: decorator
@inline export function isCached(ptr: usize): bool {
  return validate(ptr) == ErrorCode.OK && (atomic.load<u32>(mem2block(ptr)) & CACHED) != 0;
}

/** A block of at least `n` bytes from this instance's cache, or 0. Takes no lock. */
function cachePop(n: usize): usize {
  if (cache == 0 || n > CACHE_MAX_SIZE - BLOCK_OVERHEAD) return 0;
  const c = CLASS(request2size(n));
  const count = load<u32>(c);
  if (count == 0) return 0;
  const p = <usize>load<u32>(c + 4 + (<usize>(count - 1) << 2));
  store<u32>(c, count - 1);
  atomic.and<u32>(mem2block(p), ~CACHED);
  return p;
}

/**
 * Puts the block at `ptr` in this instance's cache, without the lock (unless the check must
 * retry under it). Returns OK, DOUBLE_FREE or
 * INVALID_POINTER, or -1 when the block is not for the cache (too large, class full, no cache).
 */
function cachePush(ptr: usize): i32 {
  if (cache == 0) return -1;
  // First whether the block would go to the cache at all, from its header read as it stands
  // (inside the heap, so the read is safe); anything else goes to the locked path, which
  // checks the pointer itself. Only then the check without the lock.
  const st = ST();
  const b = mem2block(ptr);
  if (b < <usize>st.heapStart || b >= <usize>st.brk) return -1;
  const z = SIZE(b);
  if (z < MIN_BLOCK || z > CACHE_MAX_SIZE || load<u32>(CLASS(z)) == CACHE_SLOTS) return -1;
  const err = validateUnlocked(ptr);
  if (err != ErrorCode.OK) return <i32>refuse(err, ptr);
  const h = atomic.load<u32>(b);
  if ((h & CACHED) != 0) return <i32>refuse(ErrorCode.DOUBLE_FREE, ptr);
  const size = SIZE(b);
  if (size > CACHE_MAX_SIZE) return -1;
  const c = CLASS(size);
  const count = load<u32>(c);
  if (count == CACHE_SLOTS) return -1;
  atomic.or<u32>(b, CACHED);
  store<u32>(ptr, 0);                       // a cached block is never taken for a pool's handle (isHandle)
  store<u32>(c + 4 + (<usize>count << 2), <u32>ptr);
  store<u32>(c, count + 1);
  return ErrorCode.OK;
}

/** Gives this instance a cache block, on its first malloc (lock held). */
function ensureCache(): void {
  if (cache != 0 || !caching) return;
  const bytes = CACHE_CLASSES * CLASS_BYTES;
  const c = allocateInternal(bytes);
  if (c == 0) return;
  memory.fill(c, 0, bytes);
  cache = c;
}

/** malloc for the shared build. */
export function sharedMalloc(n: usize): usize {
  const p = cachePop(n);
  if (p != 0) return p;
  lockHeap();
  ensureCache();
  const q = allocate(n);
  if (q == 0) keepError();
  unlockHeap();
  return q;
}

/** free for the shared build. */
export function sharedFree(ptr: usize): u32 {
  if (ptr == 0) return ErrorCode.OK;
  const r = cachePush(ptr);
  if (r >= 0) return <u32>r;
  lockHeap();
  let code: u32;
  if (isCached(ptr)) code = refuse(ErrorCode.DOUBLE_FREE, ptr);
  else {
    code = deallocate(ptr);
    if (code != ErrorCode.OK) keepError();
  }
  unlockHeap();
  return code;
}

/**
 * Runs a pointer operation under the lock: a pointer in a cache (freed already) is a double
 * free, and an error is kept for this instance. `op` is 0 realloc, 1 usableSize.
 */
export function sharedPointerOp(op: i32, ptr: usize, n: usize): usize {
  lockHeap();
  let r: usize = 0;
  if (ptr != 0 && isCached(ptr)) {
    refuse(ErrorCode.DOUBLE_FREE, ptr);
  } else {
    ST().lastError = ErrorCode.OK;
    r = op == 0 ? reallocate(ptr, n) : usableSize_(ptr);
    if (r == 0 && ST().lastError != ErrorCode.OK) keepError();
  }
  unlockHeap();
  return r;
}

/** Gives every cached block and the cache itself back to the heap (lock held by the caller). */
export function flushCache(): void {
  if (cache == 0) return;
  for (let k: usize = 0; k < CACHE_CLASSES; k++) {
    const c = cache + k * CLASS_BYTES;
    const count = load<u32>(c);
    for (let i: u32 = 0; i < count; i++) {
      const p = <usize>load<u32>(c + 4 + (<usize>i << 2));
      atomic.and<u32>(mem2block(p), ~CACHED);
      deallocate(p);
    }
  }
  releaseInternal(cache);
  cache = 0;
}

/** Turns this instance's cache on or off (off flushes it). */
export function setCaching(on: bool): void {
  caching = on;
  if (!on) {
    lockHeap();
    flushCache();
    unlockHeap();
  }
}

/** Tells this instance whether its thread may wait (false on a browser's main thread). */
export function setCanWait(on: bool): void { canWait = on; }
