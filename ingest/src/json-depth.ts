// Nesting depth of a JSON document, measured with a byte scan (no parse): Relay's serde_json
// rejects documents nested deeper than 128 levels, and JSON.parse has no such bound. Pure.
// Most events hold fewer `{` and `[` bytes in all than the limit, which bounds their depth: a
// native count of those bytes answers for them, and only the rest are scanned.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when `buf` (assumed JSON) nests arrays/objects deeper than `max`. */
export function jsonDepthExceeds(buf: Buffer, max: number): boolean {
  return openersExceed(buf, max) && scanDepthExceeds(buf, max);
}

/** Whether `buf` holds more than `max` opening brackets, strings included (an upper bound of the depth). */
function openersExceed(buf: Buffer, max: number): boolean {
  let n = 0;
  for (const opener of [0x7b, 0x5b]) {
    for (let i = buf.indexOf(opener); i >= 0; i = buf.indexOf(opener, i + 1)) if (++n > max) return true;
  }
  return false;
}

function scanDepthExceeds(buf: Buffer, max: number): boolean {
  let depth = 0;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      i = stringEnd(buf, i);
      if (i < 0) return false; // unterminated: nothing structural follows
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * The offset of the quote closing the string opened at `open`, or -1: the next quote not escaped
 * by an odd run of backslashes, found with the native byte search (most of an event is strings).
 */
function stringEnd(buf: Buffer, open: number): number {
  let q = open;
  for (;;) {
    q = buf.indexOf(QUOTE, q + 1);
    if (q < 0) return -1;
    let k = q - 1;
    while (buf[k] === BACKSLASH) k--; // stops at the opening quote at the latest
    if ((q - 1 - k) % 2 === 0) return q;
  }
}
