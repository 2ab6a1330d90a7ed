// The allocators the benchmarks compare: the package's own adapters (src/tools/peers.ts, built to
// dist/tools/peers.js), with the C peers read from ../shared/peers beside this checkout.
import { ALLOCATORS, makeAllocator, peerFile } from "../dist/tools/peers.js";

export { ALLOCATORS, makeAllocator };

/** The C peers, by name: their .wasm in ../shared/peers (read there, never copied). */
export const C_PEERS = { dlmalloc: peerFile("dlmalloc"), emmalloc: peerFile("emmalloc") };
