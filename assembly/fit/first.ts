// First fit: the lowest-addressed free block that fits.

import { NEXT, SIZE } from "../block";
import { SENTINEL } from "../state";

/** The first free block of at least `size` bytes, in address order, or 0. */
export function findFirstFit(size: usize): usize {
  const s = SENTINEL();
  for (let b = NEXT(s); b != s; b = NEXT(b)) {
    if (SIZE(b) >= size) return b;
  }
  return 0;
}
