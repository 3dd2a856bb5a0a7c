import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { mnistFcn } from '../lib/networks/build';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { mixtureWeights } from '../lib/trainers/mixture';
import { bp1VersusAutodiff } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';

describe('mixture weights c_k^n (paper A.2)', () => {
  it('BP(0) keeps only the own synthetic gradient; BP(1) only the true gradient', () => {
    assert.deepEqual(mixtureWeights([0, 0, 0], 1), [1, 0, 0, 0]);
    assert.deepEqual(mixtureWeights([1, 1, 1], 2), [0, 0, 1]);
    assert.deepEqual(mixtureWeights([0.5, 0.5, 0.5], 1), [0.5, 0.25, 0.125, 0.125]);
  });

  it('sum to one for any λ, and reject λ outside [0, 1]', () => {
    const rng = new Rng(1);
    for (let t = 0; t < 20; t++) {
      const lambda = Array.from({ length: 6 }, () => rng.uniform());
      for (let k = 1; k <= 6; k++) {
        const c = mixtureWeights(lambda, k);
        assert.equal(c.length, 7 - k + 1);
        assert.ok(Math.abs(c.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      }
    }
    assert.throws(() => mixtureWeights([0.5, 1.2], 1), /lambda\[1\]/);
    assert.throws(() => mixtureWeights([0.5, 0.2], 3), /k must be/);
  });
});

describe('bp1VersusAutodiff', () => {
  afterEach(() => tf.disposeVariables());
  it('reports a float-rounding-sized difference for BP(1), and refuses other λ', () => {
    const rng = new Rng(2);
    const t = new BPLambdaTrainer(bpLambdaSpec({ network: mnistFcn(3, 32), lambda: [1, 1] }));
    const x = tf.tensor2d(rng.normals(16 * 784), [16, 784]);
    const y = tf.tensor1d(
      Int32Array.from({ length: 16 }, () => rng.int(10)),
      'int32',
    );
    const r = bp1VersusAutodiff(t, x, y);
    assert.ok(r.maxAbsGrad > 1e-3, `gradients should not vanish, got ${r.maxAbsGrad}`);
    assert.ok(r.maxAbsDiff < 1e-5 * Math.max(1, r.maxAbsGrad), `difference ${r.maxAbsDiff}`);
    const d = new BPLambdaTrainer(bpLambdaSpec({ network: mnistFcn(3, 32), lambda: [0, 1] }));
    assert.throws(() => bp1VersusAutodiff(d, x, y), /λ = 1 everywhere/);
    tf.dispose([x, y]);
  });
});
