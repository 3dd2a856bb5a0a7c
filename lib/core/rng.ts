/**
 * Seeded pseudo-random numbers (mulberry32 + Box–Muller), so a seed fixes a run
 * on every backend: initial weights and shuffles are drawn here, not by tfjs.
 *
 *   const rng = new Rng(42); rng.uniform(); rng.normal(); rng.permutation(10);
 */
export class Rng {
  private state: number;
  private spare: number | null = null;
  /** Uniform draws made so far by this generator. */
  draws = 0;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    this.state = seed >>> 0;
  }

  /**
   * The generator of `seed` after `offset` uniform draws, in O(1): mulberry32's state is a
   * counter, so a unit built alone (in a worker, say) can start its draws exactly where they
   * would start in the whole network's stream.
   */
  static at(seed: number, offset: number): Rng {
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`offset must be a non-negative integer, got ${offset}`);
    const r = new Rng(seed);
    r.state = (r.state + Math.imul(offset >>> 0, 0x6d2b79f5)) >>> 0; // offset·C mod 2³²
    return r;
  }

  /** Uniform float in [0, 1). */
  uniform(): number {
    this.draws++;
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** n normal draws times `std`. */
  normals(n: number, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() * std;
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** A child generator with its own stream, derived from this one. */
  fork(): Rng {
    return new Rng(Math.floor(this.uniform() * 4294967296) | 0);
  }
}
