/**
 * Networks from a typed config: one Sequential per layer k, mapping h_{k−1} → h_k.
 * The paper's architectures (section D.1) are `mnistFcn`, `cifarFcn`, `mnistCnn`, `cifarCnn`.
 */
import { CnnSpec, FcnSpec, NetworkSpec, SynthesizerSpec, validateNetworkSpec } from './config';
import { Flatten, ReLU } from './modules/activation';
import { BatchNorm } from './modules/batchnorm';
import { Conv2d } from './modules/conv2d';
import { Linear } from './modules/linear';
import { Module } from './modules/module';
import { Pool } from './modules/pool';
import { Sequential } from './modules/sequential';
import { Rng } from './rng';

/** The layers of a network; layer K (the last) is the classifier and outputs logits. */
export function buildNetwork(spec: NetworkSpec, rng: Rng): Sequential[] {
  validateNetworkSpec(spec);
  const layers: Sequential[] = [];
  if (spec.kind === 'fcn') {
    let width = spec.input;
    spec.hidden.forEach((w, i) => {
      layers.push(new Sequential(`layer${i + 1}`, [new Linear(width, w, rng, { name: `layer${i + 1}/linear` }), new BatchNorm(w, { name: `layer${i + 1}/bn` }), new ReLU()]));
      width = w;
    });
    layers.push(new Sequential(`layer${spec.hidden.length + 1}`, [new Linear(width, spec.classes, rng, { name: 'classifier' })]));
  } else {
    let shape: number[] = spec.input;
    spec.filters.forEach((f, i) => {
      const layer = new Sequential(`layer${i + 1}`, [
        new Conv2d(shape[2], f, spec.kernel, rng, { name: `layer${i + 1}/conv` }),
        new BatchNorm(f, { name: `layer${i + 1}/bn` }),
        new ReLU(),
        new Pool(spec.pools[i]),
      ]);
      shape = layer.outputShape(shape);
      layers.push(layer);
    });
    const flat = shape.reduce((a, b) => a * b, 1);
    layers.push(new Sequential(`layer${spec.filters.length + 1}`, [new Flatten(), new Linear(flat, spec.classes, rng, { name: 'classifier' })]));
  }
  return layers;
}

/** Per-example shape of every h_k, k = 0..K (h_0 is the input). */
export function activationShapes(spec: NetworkSpec, layers: Module[]): number[][] {
  const shapes: number[][] = [spec.kind === 'fcn' ? [spec.input] : spec.input];
  for (const l of layers) shapes.push(l.outputShape(shapes[shapes.length - 1]));
  return shapes;
}

/**
 * The synthesizer's layers for an activation of the given per-example shape.
 * Input: h (and, for cDNI, the label context); output: a tensor of h's shape.
 */
export function buildSynthesizerLayers(hShape: number[], spec: SynthesizerSpec, classes: number, rng: Rng, name: string): Sequential {
  const ctx = spec.conditioned ? classes : 0;
  const mods: Module[] = [];
  if (hShape.length === 1) {
    let width = hShape[0] + ctx;
    for (let i = 0; i < spec.hiddenLayers; i++) {
      mods.push(new Linear(width, spec.width, rng, { name: `${name}/hidden${i + 1}` }), new BatchNorm(spec.width, { name: `${name}/bn${i + 1}` }), new ReLU());
      width = spec.width;
    }
    // Zero weights AND biases: the first synthetic gradients are exactly zero (paper D.1).
    mods.push(new Linear(width, hShape[0], rng, { init: 'zero', name: `${name}/out` }));
  } else if (hShape.length === 3) {
    let channels = hShape[2] + ctx;
    for (let i = 0; i < spec.hiddenLayers; i++) {
      mods.push(new Conv2d(channels, spec.width, spec.kernel, rng, { name: `${name}/hidden${i + 1}` }), new BatchNorm(spec.width, { name: `${name}/bn${i + 1}` }), new ReLU());
      channels = spec.width;
    }
    mods.push(new Conv2d(channels, hShape[2], spec.kernel, rng, { init: 'zero', name: `${name}/out` }));
  } else {
    throw new Error(`no synthesizer for activations of shape [${hShape}]`);
  }
  return new Sequential(name, mods);
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
  return { kind: 'cnn', input, filters: Array(n).fill(filters), pools: Array.from({ length: n }, (_, i) => (i === 0 ? 'max' : 'avg')), kernel: 5, classes: 10 };
}

/** MNIST CNN: `layers` − 1 conv layers of 64 5×5 filters (max-pool first, then average-pool). */
export function mnistCnn(layers: number, filters = 64): CnnSpec {
  return cnn([28, 28, 1], layers, filters);
}

/** CIFAR-10 CNN: as the MNIST CNN with 128 filters. */
export function cifarCnn(layers: number, filters = 128): CnnSpec {
  return cnn([32, 32, 3], layers, filters);
}
