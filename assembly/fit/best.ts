// Best fit: the smallest free block that fits; on a tie, the lowest address.

import { NEXT, SIZE } from "../block";
import { SENTINEL } from "../state";

/** The smallest free block of at least `size` bytes (lowest address among equals), or 0. */
export function findBestFit(size: usize): usize {
  const s = SENTINEL();
  let best: usize = 0;
  let bestSize: usize = <usize>-1;
  for (let b = NEXT(s); b != s; b = NEXT(b)) {
    const bs = SIZE(b);
    if (bs >= size && bs < bestSize) {     // strict: an equal block later in address order loses
      best = b;
      bestSize = bs;
      if (bs == size) break;                // nothing fits better than exactly
    }
  }
  return best;
}
