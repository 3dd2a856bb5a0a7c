/**
 * Linear: y = x·W + b.
 *
 * With a feedback matrix B (Feedback Alignment, Lillicrap et al. 2016: opts.feedbackRng), a
 * backward asked for `feedback` sends dx = dy·Bᵀ down instead of dy·Wᵀ: B has W's shape, is
 * drawn once from W's distribution and never trained. Parameter gradients are the same either way.
 *
 * Backward transposes explicitly and then multiplies untransposed: on wasm the
 * transposed matmul falls back to a scalar loop that is 10–70× slower. With the
 * native BLAS kernels (lib/blas/) a transposed matmul is one sgemm, and the explicit
 * transposes would cost more than the matmuls; then it passes transpose flags.
 */
import * as tf from '@tensorflow/tfjs';
import { fastTransposedMatMul } from '../blas';
import type { Rng } from '../core/rng';
import { type Backward, type BackwardOptions, type Cache, type Forward, type Module, makeVariable } from './module';

export type LinearInit = 'default' | 'zero';

let counter = 0;

export class Linear implements Module {
  readonly name: string;
  readonly W: tf.Variable;
  readonly b: tf.Variable | null;
  /** The fixed random feedback matrix of Feedback Alignment (null without one). */
  readonly B: tf.Variable | null;

  /**
   * @param init 'default' draws W and b from U(−1/√in, 1/√in) (PyTorch's default);
   *   'zero' sets both to zero (a synthesizer's last layer, as in the paper).
   */
  constructor(
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
    opts: { bias?: boolean; init?: LinearInit; name?: string; feedbackRng?: Rng } = {},
  ) {
    this.name = opts.name ?? `linear${counter++}`;
    const bound = 1 / Math.sqrt(inDim);
    const draw = (n: number) => {
      const a = new Float32Array(n);
      if (opts.init !== 'zero') for (let i = 0; i < n; i++) a[i] = (2 * rng.uniform() - 1) * bound;
      return a;
    };
    this.W = makeVariable(() => tf.tensor2d(draw(inDim * outDim), [inDim, outDim]), true, `${this.name}/W`);
    this.b = opts.bias === false ? null : makeVariable(() => tf.tensor1d(draw(outDim)), true, `${this.name}/b`);
    const fb = opts.feedbackRng;
    const drawB = () => Float32Array.from({ length: inDim * outDim }, () => (2 * fb!.uniform() - 1) * bound);
    this.B = fb ? makeVariable(() => tf.tensor2d(drawB(), [inDim, outDim]), false, `${this.name}/B`) : null;
  }

  params(): tf.Variable[] {
    return this.b ? [this.W, this.b] : [this.W];
  }

  buffers(): tf.Variable[] {
    return this.B ? [this.B] : [];
  }

  forward(x: tf.Tensor): Forward {
    const xm = x as tf.Tensor2D;
    const y = this.b ? tf.add(tf.matMul(xm, this.W), this.b) : tf.matMul(xm, this.W);
    return { y, cache: { x } };
  }

  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    const x = cache.x as tf.Tensor2D;
    const d = dy as tf.Tensor2D;
    const grads: tf.Tensor[] = [];
    if (opts.params) {
      grads.push(fastTransposedMatMul() ? tf.matMul(x, d, true, false) : tf.matMul(tf.transpose(x), d));
      if (this.b) grads.push(tf.sum(d, 0));
    }
    // Feedback Alignment: B in place of W on the way down.
    const back = opts.feedback && this.B ? this.B : this.W;
    return { dx: opts.dx ? matMulTransposeB(d, back as tf.Variable<tf.Rank.R2>) : null, grads };
  }

  outputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 1 || inputShape[0] !== this.inDim) {
      throw new Error(`${this.name}: expects input [${this.inDim}], got [${inputShape}]`);
    }
    return [this.outDim];
  }
}

/**
 * a·bᵀ without the slow transposed kernel: transpose whichever side is cheaper.
 * (a·bᵀ = (b·aᵀ)ᵀ, so for a large square b it pays to transpose a and the result.)
 */
export function matMulTransposeB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (fastTransposedMatMul()) return tf.matMul(a, b, false, true);
  const costB = b.size;
  const costA = a.size + a.shape[0] * b.shape[0];
  if (costB <= costA) return tf.matMul(a, tf.transpose(b));
  return tf.transpose(tf.matMul(b, tf.transpose(a))) as tf.Tensor2D;
}
