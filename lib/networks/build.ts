/**
 * Networks from a typed config: one Sequential per layer k, mapping h_{k−1} → h_k.
 * The paper's architectures (section D.1) are `mnistFcn`, `cifarFcn`, `mnistCnn`, `cifarCnn`.
 */
import { type CnnSpec, depth, type FcnSpec, inputShape, type NetworkSpec } from './spec';
import { Flatten, ReLU } from '../modules/activation';
import { BatchNorm } from '../modules/batchnorm';
import { Conv2d } from '../modules/conv2d';
import { Linear } from '../modules/linear';
import { Pool } from '../modules/pool';
import { Sequential } from '../modules/sequential';
import type { Rng } from '../core/rng';

/**
 * Layer k (1-based) of a network, mapping h_{k−1} → h_k; layer K is the classifier and
 * outputs logits. The spec is assumed validated. With `feedbackRng` (FCNs: Feedback Alignment),
 * the layer's Linear also draws its fixed feedback matrix B from it (modules/linear.ts).
 */
export function buildLayer(spec: NetworkSpec, k: number, rng: Rng, feedbackRng?: Rng): Sequential {
  const K = depth(spec);
  if (!Number.isInteger(k) || k < 1 || k > K) throw new RangeError(`layer ${k} of a ${K}-layer network`);
  const inShape = activationShapes(spec)[k - 1];
  const name = `layer${k}`;
  if (spec.kind === 'fcn') {
    if (k === K) return new Sequential(name, [new Linear(inShape[0], spec.classes, rng, { name: 'classifier', feedbackRng })]);
    const w = spec.hidden[k - 1];
    return new Sequential(name, [
      new Linear(inShape[0], w, rng, { name: `${name}/linear`, feedbackRng }),
      new BatchNorm(w, { name: `${name}/bn` }),
      new ReLU(),
    ]);
  }
  if (k === K) {
    const flat = inShape.reduce((a, b) => a * b, 1);
    return new Sequential(name, [new Flatten(), new Linear(flat, spec.classes, rng, { name: 'classifier' })]);
  }
  const f = spec.filters[k - 1];
  return new Sequential(name, [
    new Conv2d(inShape[2], f, spec.kernel, rng, { name: `${name}/conv` }),
    new BatchNorm(f, { name: `${name}/bn` }),
    new ReLU(),
    new Pool(spec.pools[k - 1]),
  ]);
}

/**
 * Uniform draws layer k's initialisation takes: one per weight and bias of its Linear or Conv
 * (BatchNorm starts at γ = 1, β = 0 and draws nothing). A test checks this against buildLayer.
 */
export function layerDraws(spec: NetworkSpec, k: number): number {
  const shapes = activationShapes(spec);
  const inShape = shapes[k - 1];
  const outShape = shapes[k];
  if (spec.kind === 'fcn' || k === depth(spec)) {
    const fanIn = inShape.reduce((a, b) => a * b, 1);
    return (fanIn + 1) * outShape[outShape.length - 1];
  }
  const f = spec.filters[k - 1];
  return (inShape[2] * spec.kernel * spec.kernel + 1) * f;
}

/** Per-example shape of every h_k, k = 0..K (h_0 is the input), worked out from the spec. */
export function activationShapes(spec: NetworkSpec): number[][] {
  const shapes: number[][] = [inputShape(spec)];
  if (spec.kind === 'fcn') {
    for (const w of spec.hidden) shapes.push([w]);
  } else {
    let [h, w] = spec.input;
    spec.filters.forEach((f, i) => {
      const pool = new Pool(spec.pools[i]);
      [h, w] = pool.outputShape([h, w, f]);
      shapes.push([h, w, f]);
    });
  }
  shapes.push([spec.classes]);
  return shapes;
}

// The paper's architectures (section D.1).

/** MNIST FCN: `layers` − 1 hidden layers of 256 units. */
export function mnistFcn(layers: number, width = 256): FcnSpec {
  return { kind: 'fcn', input: 784, hidden: Array(layers - 1).fill(width), classes: 10 };
}

/** CIFAR-10 FCN: `layers` − 1 hidden layers of 1000 units. */
export function cifarFcn(layers: number, width = 1000): FcnSpec {
  return { kind: 'fcn', input: 3072, hidden: Array(layers - 1).fill(width), classes: 10 };
}

function cnn(input: [number, number, number], layers: number, filters: number): CnnSpec {
  const n = layers - 1;
  return {
    kind: 'cnn',
    input,
    filters: Array(n).fill(filters),
    pools: Array.from({ length: n }, (_, i) => (i === 0 ? 'max' : 'avg')),
    kernel: 5,
    classes: 10,
  };
}

/** MNIST CNN: `layers` − 1 conv layers of 64 5×5 filters (max-pool first, then average-pool). */
export function mnistCnn(layers: number, filters = 64): CnnSpec {
  return cnn([28, 28, 1], layers, filters);
}

/** CIFAR-10 CNN: as the MNIST CNN with 128 filters. */
export function cifarCnn(layers: number, filters = 128): CnnSpec {
  return cnn([32, 32, 3], layers, filters);
}
