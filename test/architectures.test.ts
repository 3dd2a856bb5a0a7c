/**
 * The paper's architectures (section D.1): parameter counts worked out by hand,
 * and one training step of every method on every architecture.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { cifarCnn, cifarFcn, mnistCnn, mnistFcn } from '../lib/networks/build';
import type { NetworkSpec } from '../lib/networks/spec';
import { methodSpec, TABLE2_METHODS } from '../lib/experiments/methods';
import type { SynthesizerSpec } from '../lib/synthesizers/spec';
import type { Synthesizer } from '../lib/synthesizers/synthesizer';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { countParams } from '../lib/modules/module';
import { Rng } from '../lib/core/rng';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';

const lin = (i: number, o: number) => i * o + o; // weights + biases
const bn = (c: number) => 2 * c; // γ and β
const conv = (k: number, i: number, o: number) => k * k * i * o + o;

function layerParams(net: NetworkSpec): number {
  const t = new BPLambdaTrainer(
    bpLambdaSpec({ network: net, lambda: methodSpec('bprop', net.kind === 'fcn' ? net.hidden.length + 1 : net.filters.length + 1).lambda }),
  );
  const n = t.units.reduce((s, u) => s + countParams(u.layer), 0);
  t.dispose();
  return n;
}

function synthParams(net: NetworkSpec, synth: Partial<SynthesizerSpec>): number[] {
  const K = net.kind === 'fcn' ? net.hidden.length + 1 : net.filters.length + 1;
  const t = new BPLambdaTrainer(bpLambdaSpec({ network: net, lambda: methodSpec('dni', K).lambda, synthesizer: synth }));
  const n = t.units.slice(0, -1).map((u) => countParams((u.synthesizer as Synthesizer).net));
  t.dispose();
  return n;
}

describe('paper architectures (D.1)', () => {
  afterEach(() => tf.disposeVariables());

  it('MNIST FCN, 3–6 layers of 256 (Linear, BN, ReLU) and a linear classifier', () => {
    for (const K of [3, 4, 5, 6]) {
      const expected = lin(784, 256) + bn(256) + (K - 2) * (lin(256, 256) + bn(256)) + lin(256, 10);
      assert.equal(layerParams(mnistFcn(K)), expected, `${K} layers`);
    }
    assert.equal(layerParams(mnistFcn(3)), 270346);
  });

  it('CIFAR-10 FCN, 3–6 layers of 1000', () => {
    for (const K of [3, 4, 5, 6]) {
      const expected = lin(3072, 1000) + bn(1000) + (K - 2) * (lin(1000, 1000) + bn(1000)) + lin(1000, 10);
      assert.equal(layerParams(cifarFcn(K)), expected, `${K} layers`);
    }
  });

  it('MNIST CNN (64 5×5 filters, max-pool then average-pool, 28 → 14 → 7 → 4) and CIFAR-10 CNN (128 filters)', () => {
    assert.equal(layerParams(mnistCnn(3)), conv(5, 1, 64) + bn(64) + conv(5, 64, 64) + bn(64) + lin(7 * 7 * 64, 10));
    assert.equal(layerParams(mnistCnn(3)), 135754);
    assert.equal(layerParams(mnistCnn(4)), conv(5, 1, 64) + bn(64) + 2 * (conv(5, 64, 64) + bn(64)) + lin(4 * 4 * 64, 10));
    assert.equal(layerParams(cifarCnn(3)), conv(5, 3, 128) + bn(128) + conv(5, 128, 128) + bn(128) + lin(8 * 8 * 128, 10));
    assert.equal(layerParams(cifarCnn(4)), conv(5, 3, 128) + bn(128) + 2 * (conv(5, 128, 128) + bn(128)) + lin(4 * 4 * 128, 10));
  });

  it('synthesizers: MNIST DNI 2×1024, cDNI linear, CIFAR-10 1×4000, CNN two hidden 5×5 conv layers', () => {
    assert.deepEqual(
      synthParams(mnistFcn(3), { hiddenLayers: 2, width: 1024 }),
      Array(2).fill(lin(256, 1024) + bn(1024) + lin(1024, 1024) + bn(1024) + lin(1024, 256)),
    );
    assert.deepEqual(synthParams(mnistFcn(3), { hiddenLayers: 0, conditioned: true }), Array(2).fill(lin(256 + 10, 256)));
    assert.deepEqual(
      synthParams(cifarFcn(3), { hiddenLayers: 1, width: 4000 }),
      Array(2).fill(lin(1000, 4000) + bn(4000) + lin(4000, 1000)),
    );
    const cnnSynth = conv(5, 64, 64) + bn(64) + conv(5, 64, 64) + bn(64) + conv(5, 64, 64);
    assert.deepEqual(synthParams(mnistCnn(3), { hiddenLayers: 2, width: 64 }), [cnnSynth, cnnSynth]);
    const cnnCSynth = conv(5, 64 + 10, 64) + bn(64) + conv(5, 64, 64) + bn(64) + conv(5, 64, 64);
    assert.deepEqual(synthParams(mnistCnn(3), { hiddenLayers: 2, width: 64, conditioned: true }), [cnnCSynth, cnnCSynth]);
  });

  it('one step of every method runs on every architecture (small widths, real input shapes)', () => {
    const nets: NetworkSpec[] = [mnistFcn(3, 16), cifarFcn(3, 16), mnistCnn(3, 4), cifarCnn(3, 4)];
    const rng = new Rng(1);
    for (const net of nets) {
      const shape = net.kind === 'fcn' ? [net.input] : net.input;
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(rng.normals(4 * n), [4, ...shape]);
      const y = tf.tensor1d([1, 2, 3, 4], 'int32');
      for (const method of TABLE2_METHODS) {
        const t = new BPLambdaTrainer(
          bpLambdaSpec({
            network: net,
            lambda: methodSpec(method, 3).lambda,
            synthesizer: { hiddenLayers: 1, width: 4, conditioned: method === 'cdni' },
          }),
        );
        const s = t.step({ x, y }, { stats: true })!;
        assert.ok(Number.isFinite(s.loss), `${net.kind} ${shape} ${method}: loss ${s.loss}`);
        t.dispose();
      }
      tf.dispose([x, y]);
    }
  });
});
