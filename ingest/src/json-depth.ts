// Nesting depth of a JSON document, measured with a byte scan (no parse): Relay's serde_json
// rejects documents nested deeper than 128 levels, and JSON.parse has no such bound. Pure.

/** True when `buf` (assumed JSON) nests arrays/objects deeper than `max`. */
export function jsonDepthExceeds(buf: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}
