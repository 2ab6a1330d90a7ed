// The CS:APP Malloc Lab trace format (.rep), read and written.
//
// A trace is whitespace-separated ASCII: four header integers (suggested heap size, number of
// ids, number of operations, weight), then one operation per line: `a id bytes`, `r id bytes`
// or `f id`. Ids run from 0 to numIds - 1.

/** Operation kinds, as stored in {@link Trace.kinds}. */
export const OP_ALLOC = 0;
export const OP_REALLOC = 1;
export const OP_FREE = 2;

/** A parsed trace, column-wise so that long traces stay compact. */
export interface Trace {
  /** The header's suggested heap size (the CS:APP driver ignores it). */
  suggestedHeapSize: number;
  /** Distinct block ids; every id is below this. */
  numIds: number;
  /** The header's weight (the CS:APP driver ignores it). */
  weight: number;
  /** OP_ALLOC, OP_REALLOC or OP_FREE per operation. */
  kinds: Uint8Array;
  /** The block id of each operation. */
  ids: Uint32Array;
  /** The requested bytes of each a/r operation (0 for f). */
  sizes: Uint32Array;
}

/** A malformed trace: the message names the line. */
export class TraceError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = "TraceError";
  }
}

/** Parses a non-negative integer token, or throws a TraceError naming `what`. */
function uint(token: string | undefined, what: string, line: number): number {
  if (token === undefined || !/^\d+$/.test(token)) {
    throw new TraceError(`expected ${what} (a non-negative integer), got ${token === undefined ? "end of file" : JSON.stringify(token)}`, line);
  }
  const n = Number(token);
  if (n > 0xFFFF_FFFF) throw new TraceError(`${what} ${token} does not fit in 32 bits`, line);
  return n;
}

/**
 * Parses a .rep trace. Throws TraceError for a malformed header, an unknown operation, an id
 * of numIds or more, or a count of operations that differs from the header's.
 */
export function parseTrace(text: string): Trace {
  const lines = text.split(/\r?\n/);
  let ln = 0;
  const header: number[] = [];
  const names = ["the suggested heap size", "the number of ids", "the number of operations", "the weight"];
  while (header.length < 4) {
    if (ln >= lines.length) throw new TraceError(`expected ${names[header.length]}, got end of file`, ln);
    const tokens = lines[ln++].trim().split(/\s+/).filter(Boolean);
    for (const t of tokens) {
      if (header.length === 4) throw new TraceError(`unexpected ${JSON.stringify(t)} after the header`, ln);
      header.push(uint(t, names[header.length], ln));
    }
  }
  const [suggestedHeapSize, numIds, numOps, weight] = header;
  const kinds = new Uint8Array(numOps);
  const ids = new Uint32Array(numOps);
  const sizes = new Uint32Array(numOps);
  let n = 0;
  for (; ln < lines.length; ln++) {
    const tokens = lines[ln].trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const line = ln + 1;
    if (n === numOps) throw new TraceError(`more operations than the header's ${numOps}`, line);
    const [op, idTok, sizeTok] = tokens;
    const id = uint(idTok, "a block id", line);
    if (id >= numIds) throw new TraceError(`block id ${id} is not below the header's ${numIds} ids`, line);
    if (op === "a" || op === "r") {
      if (tokens.length !== 3) throw new TraceError(`"${op}" takes an id and a size`, line);
      kinds[n] = op === "a" ? OP_ALLOC : OP_REALLOC;
      sizes[n] = uint(sizeTok, "a size in bytes", line);
    } else if (op === "f") {
      if (tokens.length !== 2) throw new TraceError(`"f" takes only an id`, line);
      kinds[n] = OP_FREE;
    } else {
      throw new TraceError(`unknown operation ${JSON.stringify(op)} (expected a, r or f)`, line);
    }
    ids[n] = id;
    n++;
  }
  if (n !== numOps) throw new TraceError(`the header promises ${numOps} operations, the file has ${n}`, lines.length);
  return { suggestedHeapSize, numIds, weight, kinds, ids, sizes };
}

/** Writes a trace in .rep format, one operation per line. */
export function formatTrace(trace: Trace): string {
  const out: string[] = [`${trace.suggestedHeapSize}`, `${trace.numIds}`, `${trace.kinds.length}`, `${trace.weight}`];
  for (let i = 0; i < trace.kinds.length; i++) {
    const k = trace.kinds[i];
    out.push(k === OP_FREE ? `f ${trace.ids[i]}` : `${k === OP_ALLOC ? "a" : "r"} ${trace.ids[i]} ${trace.sizes[i]}`);
  }
  return `${out.join("\n")}\n`;
}
