// Next fit: resume the search at the rover, where the last placement left off, and wrap around.

import { NEXT, SIZE } from "../block";
import { SENTINEL, ST } from "../state";

/** The first free block of at least `size` bytes at or after the rover, wrapping, or 0. */
export function findNextFit(size: usize): usize {
  const s = SENTINEL();
  const start = <usize>ST().rover;
  let b = start;
  for (; b != s; b = NEXT(b)) {
    if (SIZE(b) >= size) return b;
  }
  for (b = NEXT(s); b != start; b = NEXT(b)) {
    if (SIZE(b) >= size) return b;
  }
  return 0;
}
