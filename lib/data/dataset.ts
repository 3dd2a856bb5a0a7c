import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';

/**
 * A labelled dataset held in flat typed arrays: example i occupies
 * `x[i*D .. (i+1)*D)` with D = flatSize(ds), in the per-example layout `shape`
 * (images are HWC, values in [0, 1]). Plain arrays, not tensors, so holding a dataset
 * costs no GPU/WASM memory and nothing has to be disposed.
 */
export interface Dataset {
  name: string;
  x: Float32Array;
  y: Int32Array;
  n: number;
  /** Per-example shape, e.g. [28, 28, 1] or [32, 32, 3]. */
  shape: number[];
  numClasses: number;
}

/** A dataset of uniform random inputs and labels (benchmarks and probes, where the values do not matter). */
export function randomDataset(shape: number[], classes: number, n: number, seed: number, name = `random${seed}`): Dataset {
  const d = shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * d }, () => rng.uniform());
  const y = Int32Array.from({ length: n }, () => rng.int(classes));
  return { name, x, y, n, shape: shape.slice(), numClasses: classes };
}

/** Byte value -> byte/255 as float32: a lookup is faster than dividing 180M pixels. */
export const UNIT: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

/** One minibatch, still as typed arrays. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
}

/** Number of values per example (the product of `shape`). */
export function flatSize(ds: Pick<Dataset, 'shape'>): number {
  return ds.shape.reduce((a, b) => a * b, 1);
}

/**
 * Examples [start, start+count) as a new Dataset, e.g. the last 10000 training images as a
 * validation split. The arrays are views on the original (no copy).
 */
export function subset(ds: Dataset, start: number, count: number): Dataset {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > ds.n) {
    throw new RangeError(`subset(${ds.name}, ${start}, ${count}) is outside 0..${ds.n}`);
  }
  const d = flatSize(ds);
  return {
    name: `${ds.name}[${start}:${start + count}]`,
    x: ds.x.subarray(start * d, (start + count) * d),
    y: ds.y.subarray(start, start + count),
    n: count,
    shape: ds.shape.slice(),
    numClasses: ds.numClasses,
  };
}

/** Options of Batcher. */
export interface BatcherOptions {
  /**
   * Drop the last, smaller batch of each epoch so every batch has `batchSize` examples.
   * Default false: every example is seen exactly once per epoch.
   */
  dropRemainder?: boolean;
}

/**
 * Endless minibatches in a seeded random order, reshuffled each epoch. The same
 * (dataset, batchSize, seed) always gives the same sequence, whatever the tfjs backend,
 * because the order comes from our own Rng. Works on typed arrays only; see batchTensors.
 */
export class Batcher {
  /** 0-based epoch of the batch last returned (it advances when the next epoch's first batch is drawn). */
  epoch = 0;
  private readonly rng: Rng;
  private readonly d: number;
  private order: Int32Array;
  private pos = 0;

  constructor(
    readonly ds: Dataset,
    readonly batchSize: number,
    seed: number,
    private readonly options: BatcherOptions = {},
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    }
    if (ds.n < 1 || (options.dropRemainder && ds.n < batchSize)) {
      throw new RangeError(`dataset ${ds.name} has ${ds.n} examples, too few for batches of ${batchSize}`);
    }
    this.rng = new Rng(seed);
    this.d = flatSize(ds);
    this.order = this.rng.permutation(ds.n);
  }

  /** Batches per epoch (the last one may be smaller unless dropRemainder). */
  get batchesPerEpoch(): number {
    return this.options.dropRemainder ? Math.floor(this.ds.n / this.batchSize) : Math.ceil(this.ds.n / this.batchSize);
  }

  /** The next batch, in fresh arrays the caller may keep. */
  next(): Batch {
    const { ds, d } = this;
    const left = ds.n - this.pos;
    if (left === 0 || (this.options.dropRemainder && left < this.batchSize)) {
      this.epoch++;
      this.order = this.rng.permutation(ds.n);
      this.pos = 0;
    }
    const b = Math.min(this.batchSize, ds.n - this.pos);
    const x = new Float32Array(b * d);
    const y = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const k = this.order[this.pos + i];
      x.set(ds.x.subarray(k * d, (k + 1) * d), i * d);
      y[i] = ds.y[k];
    }
    this.pos += b;
    return { x, y };
  }
}

/**
 * A batch as tensors: x of shape [B, ...shape] (or [B, D] with `flatten`) and int32
 * labels [B]. The caller owns both and must dispose them (or create them inside tf.tidy).
 */
export function batchTensors(batch: Batch, shape: number[], options: { flatten?: boolean } = {}): { x: tf.Tensor; y: tf.Tensor1D } {
  const d = shape.reduce((a, b) => a * b, 1);
  const b = batch.y.length;
  if (batch.x.length !== b * d) {
    throw new RangeError(`batch has ${batch.x.length} values for ${b} examples, expected ${b * d} (shape [${shape}])`);
  }
  const x = tf.tensor(batch.x, options.flatten ? [b, d] : [b, ...shape], 'float32');
  const y = tf.tensor1d(batch.y, 'int32');
  return { x, y };
}
