// Postgres bigint ids travel as strings (node-postgres keeps them exact); this orders them
// numerically, which is also the order writers take row locks in.

/** Numeric order for non-negative bigint ids carried as strings. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
