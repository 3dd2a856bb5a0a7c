/**
 * Reference forward passes written with plain tfjs ops, differentiated by tfjs's
 * own autodiff: the trusted side of every gradient test and of notebook 01's
 * "BP(1) is backprop" check. They read the same variables as the library's
 * modules but share none of its backward code.
 */
import * as tf from '@tensorflow/tfjs';
import { Flatten, ReLU } from '../modules/activation';
import { BatchNorm } from '../modules/batchnorm';
import { Conv2d } from '../modules/conv2d';
import { Linear } from '../modules/linear';
import type { Module } from '../modules/module';
import { Pool } from '../modules/pool';
import { Sequential } from '../modules/sequential';
import { type BPLambdaTrainer, disposeCapture } from './bp-lambda';
import { disposeChunkRecords, type RecurrentTrainer } from './recurrent';
import type { SequenceBatch } from '../tasks/sequence';

/** Training-mode forward of one module with autodiff-able ops. */
export function refModule(m: Module, x: tf.Tensor): tf.Tensor {
  if (m instanceof Linear) {
    const y = tf.matMul(x as tf.Tensor2D, m.W as tf.Tensor2D);
    return m.b ? tf.add(y, m.b) : y;
  }
  if (m instanceof BatchNorm) {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, m.eps))), m.gamma), m.beta);
  }
  if (m instanceof ReLU) return tf.relu(x);
  if (m instanceof Flatten) return tf.reshape(x, [x.shape[0], -1]);
  if (m instanceof Conv2d) return tf.add(tf.conv2d(x as tf.Tensor4D, m.W as tf.Tensor4D, 1, 'same'), m.b);
  if (m instanceof Pool)
    return m.kind === 'max' ? tf.maxPool(x as tf.Tensor4D, m.size, m.stride, 'same') : refAvgPool(x as tf.Tensor4D, m.size, m.stride);
  if (m instanceof Sequential) return m.modules.reduce((h, mm) => refModule(mm, h), x);
  throw new Error(`no reference for ${m.name}`);
}

/**
 * 'same' average pooling (the mean of a window's in-image pixels) built as a
 * 'valid' pool over a zero-padded input, rescaled by window size / in-image count.
 * tfjs's own AvgPoolGrad for 'same' divides by the full window at the borders.
 */
function refAvgPool(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const pads = (n: number): [number, number] => {
    const total = Math.max((Math.ceil(n / stride) - 1) * stride + size - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [pt, pb] = pads(h);
  const [pl, pr] = pads(w);
  const ho = Math.ceil(h / stride);
  const wo = Math.ceil(w / stride);
  const scale = new Float32Array(ho * wo);
  for (let i = 0; i < ho; i++) {
    for (let j = 0; j < wo; j++) {
      const rows = Math.min(i * stride - pt + size, h) - Math.max(i * stride - pt, 0);
      const cols = Math.min(j * stride - pl + size, w) - Math.max(j * stride - pl, 0);
      scale[i * wo + j] = (size * size) / (rows * cols);
    }
  }
  const pooled = tf.avgPool(
    tf.pad(x, [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]),
    size,
    stride,
    'valid',
  );
  return tf.mul(pooled, tf.tensor4d(scale, [1, ho, wo, 1]));
}

/** Mean softmax cross-entropy through tfjs's own ops. */
export function refLoss(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1] as number), logits as tf.Tensor2D) as tf.Scalar;
}

/** Vector–Jacobian product v·∂f/∂x by autodiff. */
export function vjp(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return tf.grad(f)(x, v);
}

/**
 * BP(1) against backprop: the largest absolute difference between the layer
 * gradients a BP(λ = 1) step computes and tfjs autodiff of the full loss, on one
 * batch (training-mode BatchNorm). The trainer takes the step.
 */
export function bp1VersusAutodiff(trainer: BPLambdaTrainer, x: tf.Tensor, y: tf.Tensor1D): { maxAbsDiff: number; maxAbsGrad: number } {
  if (trainer.spec.lambda.some((l) => l !== 1)) throw new Error(`bp1VersusAutodiff needs λ = 1 everywhere, got [${trainer.spec.lambda}]`);
  const vars = trainer.layerParams().flat();
  const ref = tf.variableGrads(
    () =>
      refLoss(
        trainer.units.reduce((h, u) => refModule(u.layer, h), x),
        y,
      ),
    vars,
  );
  const cap = trainer.stepCapture({ x, y });
  const ours = cap.units.flatMap((u) => u.layerGrads);
  let maxAbsDiff = 0;
  let maxAbsGrad = 0;
  vars.forEach((v, i) => {
    maxAbsDiff = Math.max(
      maxAbsDiff,
      tf.tidy(() => tf.max(tf.abs(tf.sub(ours[i], ref.grads[v.name]))).dataSync()[0]),
    );
    maxAbsGrad = Math.max(
      maxAbsGrad,
      tf.tidy(() => tf.max(tf.abs(ref.grads[v.name])).dataSync()[0]),
    );
  });
  disposeCapture(cap);
  tf.dispose([ref.value, ...Object.values(ref.grads)]);
  return { maxAbsDiff, maxAbsGrad };
}

/**
 * The LSTM core unrolled with plain tfjs ops (the parameters as Lstm.params(): W_i, b_i, W_f,
 * b_f, W_o, b_o, W_g, b_g), fused into one [x, h]·W → 4H matmul here: h_1 … h_T and the end
 * state from (h_0, c_0). Differentiate it with tf.grad for BPTT.
 */
export function refLstm(
  params: tf.Tensor[],
  xs: tf.Tensor[],
  h0: tf.Tensor,
  c0: tf.Tensor,
): { hs: tf.Tensor[]; h: tf.Tensor; c: tf.Tensor } {
  const W = tf.concat([params[0], params[2], params[4], params[6]], 1);
  const b = tf.concat([params[1], params[3], params[5], params[7]], 0);
  let h = h0;
  let c = c0;
  const hs: tf.Tensor[] = [];
  for (const x of xs) {
    const z = tf.add(tf.matMul(tf.concat([x, h], 1) as tf.Tensor2D, W as tf.Tensor2D), b);
    const [zi, zf, zo, zg] = tf.split(z, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
    h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
    hs.push(h);
  }
  return { hs, h, c };
}

/**
 * The bit-prediction loss of a sequence through tfjs's own sigmoid cross-entropy: Σ over steps
 * and bits of mask·BCE(y, logits), divided by the batch size (nats per sequence).
 */
export function refBitLoss(logits: tf.Tensor, y: tf.Tensor, mask: tf.Tensor, batch: number): tf.Scalar {
  const perBit = tf.losses.sigmoidCrossEntropy(y, logits, undefined, 0, tf.Reduction.NONE);
  return tf.div(tf.sum(tf.mul(perBit, tf.expandDims(mask, -1))), batch) as tf.Scalar;
}

/**
 * λ = 1 everywhere against BPTT: the largest absolute difference between the θ gradients a
 * recurrent trainer computes for whole sequences in one chunk (T = 'full', or T ≥ L) and tfjs
 * autodiff of the unrolled loss (refLstm, refBitLoss). The trainer takes the step.
 */
export function bpttVersusAutodiff(trainer: RecurrentTrainer, batch: SequenceBatch): { maxAbsDiff: number; maxAbsGrad: number } {
  const [L, B] = batch.x.shape;
  const T = trainer.spec.T;
  if (T !== 'full' && T < L) throw new Error(`bpttVersusAutodiff needs one chunk per batch (T = 'full' or T ≥ ${L}), got T = ${T}`);
  if (batch.starts === false || batch.ends === false)
    throw new Error('bpttVersusAutodiff needs whole sequences (a batch that starts and ends them)');
  const vars = trainer.coreParams();
  const ref = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const lstm = vars.slice(0, -2);
        const [W, b] = vars.slice(-2);
        const r = refLstm(lstm, tf.unstack(batch.x), tf.zeros([B, trainer.spec.hidden]), tf.zeros([B, trainer.spec.hidden]));
        const logits = tf.add(tf.matMul(tf.concat(r.hs, 0) as tf.Tensor2D, W as tf.Tensor2D), b);
        return refBitLoss(logits, tf.reshape(batch.y, [L * B, -1]), tf.reshape(batch.mask, [L * B]), B);
      }),
    vars,
  );
  const recs = trainer.stepCapture(batch);
  let maxAbsDiff = 0;
  let maxAbsGrad = 0;
  vars.forEach((v, i) => {
    maxAbsDiff = Math.max(
      maxAbsDiff,
      tf.tidy(() => tf.max(tf.abs(tf.sub(recs[0].grads[i], ref.grads[v.name]))).dataSync()[0]),
    );
    maxAbsGrad = Math.max(
      maxAbsGrad,
      tf.tidy(() => tf.max(tf.abs(ref.grads[v.name])).dataSync()[0]),
    );
  });
  disposeChunkRecords(recs);
  tf.dispose([ref.value, ...Object.values(ref.grads)]);
  return { maxAbsDiff, maxAbsGrad };
}
