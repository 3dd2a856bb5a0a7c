/**
 * Conv2d, stride 1, resolution-preserving ('same') zero padding, NHWC.
 *
 * Both gradients are forward convolutions, the one fast convolution kernel on
 * wasm: its Conv2DBackpropInput is a plain loop (126 ms where a forward
 * convolution of the same size takes 10 ms), and Conv2DBackpropFilter is missing.
 * The input gradient convolves dy with the filter flipped in space and with its
 * in/out channels swapped.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so the filter
 * gradient is computed as a forward convolution over transposed tensors: the
 * padded input seen as [Cin, H+2p, W+2p, B] convolved ('valid') with the output
 * gradient seen as a filter [H, W, B, Cout] gives dW as [Cin, k, k, Cout].
 * Where the backend has a Conv2DBackpropFilter (wasm + OpenBLAS, tfjs-node, cpu), both
 * gradients use the backend's own kernels instead: the transposed copies cost a padded copy of
 * x and of dy per layer (for the CIFAR-10 CNN with DNI at batch 256, past wasm's 4 GiB) and an
 * im2col with rows of B·H·W.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import { type Backward, type BackwardOptions, type Cache, type Forward, type Module, makeVariable } from './module';

let counter = 0;

export class Conv2d implements Module {
  readonly name: string;
  readonly W: tf.Variable;
  readonly b: tf.Variable;

  /** @param init 'default': U(−1/√fanIn, 1/√fanIn) as PyTorch; 'zero' for a synthesizer's last layer. */
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernel: number,
    rng: Rng,
    opts: { init?: 'default' | 'zero'; name?: string } = {},
  ) {
    if (kernel % 2 !== 1) throw new Error(`Conv2d kernel must be odd for resolution-preserving padding, got ${kernel}`);
    this.name = opts.name ?? `conv${counter++}`;
    const fanIn = inChannels * kernel * kernel;
    const bound = 1 / Math.sqrt(fanIn);
    const draw = (n: number) => {
      const a = new Float32Array(n);
      if (opts.init !== 'zero') for (let i = 0; i < n; i++) a[i] = (2 * rng.uniform() - 1) * bound;
      return a;
    };
    this.W = makeVariable(
      () => tf.tensor4d(draw(kernel * kernel * inChannels * outChannels), [kernel, kernel, inChannels, outChannels]),
      true,
      `${this.name}/W`,
    );
    this.b = makeVariable(() => tf.tensor1d(draw(outChannels)), true, `${this.name}/b`);
  }

  params(): tf.Variable[] {
    return [this.W, this.b];
  }

  buffers(): tf.Variable[] {
    return [];
  }

  forward(x: tf.Tensor): Forward {
    const y = tf.add(tf.conv2d(x as tf.Tensor4D, this.W as tf.Variable<tf.Rank.R4>, 1, 'same'), this.b);
    return { y, cache: { x } };
  }

  backward(cache: Cache, dy: tf.Tensor, opts: BackwardOptions): Backward {
    const x = cache.x as tf.Tensor4D;
    const d = dy as tf.Tensor4D;
    const grads: tf.Tensor[] = [];
    const own = hasBackpropKernels();
    if (opts.params) {
      grads.push(own ? backendFilterGrad(x, d, this.kernel) : conv2dFilterGrad(x, d, this.kernel));
      grads.push(tf.sum(d, [0, 1, 2]));
    }
    const W = this.W as tf.Variable<tf.Rank.R4>;
    const dx = opts.dx ? (own ? tf.conv2dTranspose(d, W, x.shape, 1, 'same') : conv2dInputGrad(d, W)) : null;
    return { dx, grads };
  }

  outputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3 || inputShape[2] !== this.inChannels) {
      throw new Error(`${this.name}: expects input [H, W, ${this.inChannels}], got [${inputShape}]`);
    }
    return [inputShape[0], inputShape[1], this.outChannels];
  }
}

/** Whether the active backend has its own filter-gradient kernel (stock wasm has none). */
function hasBackpropKernels(): boolean {
  return tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined;
}

/** ∂/∂W of a stride-1 'same' convolution by the backend's Conv2DBackpropFilter kernel. */
function backendFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number): tf.Tensor4D {
  const attrs = {
    strides: [1, 1],
    pad: 'same',
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape: [k, k, x.shape[3], dy.shape[3]],
  };
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** ∂/∂x of a stride-1 'same' convolution, as a forward convolution with the flipped filter. */
export function conv2dInputGrad(dy: tf.Tensor4D, W: tf.Tensor4D): tf.Tensor4D {
  const flipped = tf.transpose(tf.reverse(W, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [k, k, Cout, Cin]
  return tf.conv2d(dy, flipped, 1, 'same');
}

/** ∂/∂W of a stride-1 'same' convolution with a k×k filter, from forward convolutions only. */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number): tf.Tensor4D {
  const p = (k - 1) / 2;
  const xp = tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);
  const xT = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, H+2p, W+2p, B]
  const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, B, Cout]
  const r = tf.conv2d(xT, dyT, 1, 'valid'); // [Cin, k, k, Cout]
  return tf.transpose(r, [1, 2, 0, 3]) as tf.Tensor4D; // [k, k, Cin, Cout]
}
