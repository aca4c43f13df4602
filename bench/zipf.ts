// Which fingerprint each benchmark request carries: a seeded Zipf distribution over N variants
// (rank r has weight 1/r^s), so a few issues are hot and many are rare, as in production.

/** mulberry32: a tiny seeded PRNG, so every run sends the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Returns a sampler of variant indexes 0..n-1; index i has rank i+1. */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, s);
    cumulative[i] = sum;
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The "new at the start" variants: every 10th rank, so new issues appear early and spread out. */
export function newVariants(n: number, fraction: number): number[] {
  const step = Math.max(1, Math.round(1 / fraction));
  const out: number[] = [];
  for (let i = step - 1; i < n; i += step) out.push(i);
  return out;
}
