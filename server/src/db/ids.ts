// Postgres bigint ids travel as strings (node-postgres keeps them exact); this orders them
// numerically, which is also the order writers take row locks in.

/** Numeric order for non-negative bigint ids carried as strings. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

const BIGINT_MAX = 9223372036854775807n;

/** Digits naming a positive-or-zero id that fits a Postgres bigint (`99999999999999999999` does not). */
export function isBigintId(text: string): boolean {
  return /^\d{1,19}$/.test(text) && BigInt(text) <= BIGINT_MAX;
}
