// Small statistics for comparing event counts (pure): is a rate really higher, or is the
// difference what Poisson noise gives? Used by the deploy-health verdict.

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EXACT_LIMIT = 20_000; // past this many events the normal approximation is exact enough

/** P(Z ≥ z) for a standard normal Z (Abramowitz–Stegun 7.1.26 erfc, error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space from k upwards. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (n > EXACT_LIMIT) return normalUpperTail((k - 0.5 - n * p) / Math.sqrt(n * p * (1 - p)));
  const lnChoose = (i: number) => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
  let sum = 0;
  for (let i = k; i <= n; i++) {
    const term = Math.exp(lnChoose(i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
    sum += term;
    // terms fall off geometrically past the mode; stop when they no longer matter
    if (i > n * p && term < sum * 1e-12) break;
  }
  return Math.min(1, sum);
}

/**
 * One-sided test that rate A (`a` events over exposure `ea`) exceeds rate B (`b` over `eb`):
 * conditional on a + b events, a ~ Binomial(a + b, ea / (ea + eb)) when the rates are equal.
 * Exposure is minutes, requests or host-minutes: any quantity the events scale with.
 */
export function rateIncreasePValue(a: number, ea: number, b: number, eb: number): number {
  if (ea <= 0 || eb <= 0) return 1;
  return binomialUpperTail(a, a + b, ea / (ea + eb));
}

/** Rate ratio (a/ea) / (b/eb) with +0.5 smoothing so a zero baseline gives a finite ratio. */
export function rateRatio(a: number, ea: number, b: number, eb: number): number {
  if (ea <= 0 || eb <= 0) return 1;
  return (a + 0.5) / ea / ((b + 0.5) / eb);
}
