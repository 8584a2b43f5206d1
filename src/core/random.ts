// A seeded PRNG: what must come out the same every run (a report's resamples, a fuzz test).

/** A seeded PRNG (mulberry32), [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate (Box-Muller). */
export function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A Gamma(shape, 1) deviate, shape >= 1 (Marsaglia and Tsang). */
function gamma(shape: number, rand: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) deviate, a, b >= 1: the law of the a-th smallest of a + b - 1 uniforms. */
export function beta(a: number, b: number, rand: () => number): number {
  const x = gamma(a, rand);
  return x / (x + gamma(b, rand));
}

/** A Binomial(n, p) deviate: by its CDF where n p (1 - p) is small, else the normal law it is close to. */
export function binomial(n: number, p: number, rand: () => number): number {
  if (p <= 0 || n === 0) return 0;
  if (p >= 1) return n;
  const variance = n * p * (1 - p);
  if (variance > 50) return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(variance) * normal(rand))));
  // Inversion: P(0) = q^n is no underflow here (n p is at most about 50 / (1 - p)).
  const q = 1 - p;
  const u = rand();
  let k = 0;
  let pk = q ** n;
  let cdf = pk;
  while (u > cdf && k < n) {
    pk *= ((n - k) / (k + 1)) * (p / q);
    k++;
    cdf += pk;
  }
  return k;
}

/** `k` distinct integers of [0, n), sorted: a uniform sample without replacement (Floyd's algorithm). */
export function sampleIndices(n: number, k: number, rand: () => number): number[] {
  const picked = new Set<number>();
  for (let j = n - Math.min(k, n); j < n; j++) {
    const t = Math.floor(rand() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  return [...picked].sort((a, b) => a - b);
}
