/**
 * Section B's formulas and run loop: the closed-form expected gradient and irreducible variance
 * against Monte Carlo over labels drawn from p(y | h) (per-example gradients by tfjs autodiff),
 * the label sampler, the layout of the per-example gradient, a step that leaks nothing, and a
 * synthesizer that learns the expectation.
 *
 *   npx mocha test/sufficiency.test.ts
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng';
import { Linear } from '../lib/modules/linear';
import type { SufficiencySpec } from '../lib/runs/sufficiency-spec';
import { SufficiencyRun } from '../lib/runs/train-sufficiency';
import { mergeSynthesizer } from '../lib/synthesizers/spec';
import { NoisyLabels, sampleLabels } from '../lib/tasks/noisy-labels';
import { expectedGradient, irreducibleVariance, perExampleGradients } from '../lib/trainers/expected-gradient';
import { assertClose } from './assert';

const TASK = { inputs: 6, hidden: 5, classes: 4, teacherScale: 3, taskSeed: 3 };

/** A small run spec of a kind. */
function tinySpec(o: { conditioned?: boolean; motion?: 'frozen' | 'drift'; steps?: number; lr?: number } = {}): SufficiencySpec {
  return {
    task: TASK,
    synthesizer: mergeSynthesizer({ hiddenLayers: 2, width: 32, conditioned: o.conditioned ?? false }),
    optimizer: { lr: o.lr ?? 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, decaySteps: [], decayFactor: 0.1 },
    topMotion: o.motion ?? 'frozen',
    drift: { warmup: 2, period: 10 },
    steps: o.steps ?? 10,
    batchSize: 16,
    evalEvery: 5,
    evalExamples: 64,
    lags: [0, 1, 3],
    seed: 5,
  };
}

/** Per row of h: N labels drawn from p(y | h), their per-example gradients by autodiff, [N, H] each. */
function monteCarlo(task: NoisyLabels, h: tf.Tensor2D, top: Linear, n: number, rng: Rng): tf.Tensor2D[] {
  const rows = h.shape[0];
  return Array.from({ length: rows }, (_, i) =>
    tf.tidy(() => {
      const hi = tf.tile(tf.slice(h, [i, 0], [1, -1]), [n, 1]) as tf.Tensor2D;
      const probs = task.labelProbs(hi);
      const labels = tf.tensor1d(sampleLabels(probs.dataSync() as Float32Array, task.spec.classes, rng), 'int32');
      return perExampleGradients(hi, top.W as tf.Variable<tf.Rank.R2>, top.b as tf.Variable<tf.Rank.R1>, labels);
    }),
  );
}

describe('section B: the expected gradient of a linear–softmax top', () => {
  let task: NoisyLabels;
  let top: Linear;
  before(() => {
    task = new NoisyLabels(TASK);
    // H = 5 ≠ C = 4, so a transposition the wrong way round fails on shapes or values.
    top = new Linear(TASK.hidden, TASK.classes, new Rng(11), { name: 'test-top' });
  });
  after(() => {
    task.dispose();
    tf.dispose(top.params());
  });

  it("the per-example gradient by autodiff is (softmax(h·W + b) − onehot(y))·Wᵀ, row by row (Linear's W is [H, C])", () => {
    tf.tidy(() => {
      const { h, labels } = task.batch(new Rng(1), 8);
      const W = top.W as tf.Variable<tf.Rank.R2>;
      const byHand = tf.matMul(
        tf.sub(tf.softmax(tf.add(tf.matMul(h, W), top.b!)), tf.oneHot(labels, TASK.classes).toFloat()),
        tf.transpose(W),
      );
      assertClose(perExampleGradients(h, W, top.b as tf.Variable<tf.Rank.R1>, labels), byHand, 1e-5, 'per-example gradients');
    });
  });

  it('E[∂L/∂h | h] in closed form matches the mean of per-example gradients over labels drawn from p(y | h)', () => {
    const n = 20_000;
    tf.tidy(() => {
      const h = task.activations(new Rng(2), 4);
      const analytic = expectedGradient(h, top.W as tf.Variable<tf.Rank.R2>, top.b as tf.Variable<tf.Rank.R1>, task.labelProbs(h));
      const samples = monteCarlo(task, h, top, n, new Rng(3));
      samples.forEach((g, i) => {
        const { mean, variance } = tf.moments(g, 0);
        const mc = mean.dataSync();
        const se = variance.dataSync().map((v) => Math.sqrt(v / n));
        const want = tf.slice(analytic, [i, 0], [1, -1]).dataSync();
        want.forEach((w, j) => {
          // Five standard errors of the Monte Carlo mean: a wrong formula is off by far more.
          assert.ok(Math.abs(mc[j] - w) <= 5 * se[j] + 1e-6, `row ${i}, unit ${j}: Monte Carlo ${mc[j]} ± ${se[j]}, closed form ${w}`);
        });
      });
    });
  });

  it('the irreducible variance E‖g − E[g | h]‖² in closed form matches Monte Carlo', () => {
    const n = 20_000;
    tf.tidy(() => {
      const h = task.activations(new Rng(4), 4);
      const probs = task.labelProbs(h);
      const W = top.W as tf.Variable<tf.Rank.R2>;
      const analytic = irreducibleVariance(W, probs).dataSync();
      const expected = expectedGradient(h, W, top.b as tf.Variable<tf.Rank.R1>, probs);
      monteCarlo(task, h, top, n, new Rng(5)).forEach((g, i) => {
        const sq = tf.sum(tf.square(tf.sub(g, tf.slice(expected, [i, 0], [1, -1]))), 1);
        const { mean, variance } = tf.moments(sq);
        const [mc, se] = [mean.dataSync()[0], Math.sqrt(variance.dataSync()[0] / n)];
        assert.ok(analytic[i] > 0, `row ${i}: the variance of noisy labels is positive`);
        assert.ok(Math.abs(mc - analytic[i]) <= 5 * se, `row ${i}: Monte Carlo ${mc} ± ${se}, closed form ${analytic[i]}`);
      });
    });
  });

  it('labels are drawn with the frequencies of p', () => {
    const p = new Float32Array([0.2, 0.5, 0.3]);
    const n = 30_000;
    const rows = new Float32Array(n * 3).map((_, i) => p[i % 3]);
    const counts = [0, 0, 0];
    for (const y of sampleLabels(rows, 3, new Rng(9))) counts[y]++;
    counts.forEach((c, k) => {
      const se = Math.sqrt((p[k] * (1 - p[k])) / n);
      assert.ok(Math.abs(c / n - p[k]) < 5 * se, `class ${k}: ${c / n} vs ${p[k]}`);
    });
  });
});

describe('section B: the online run', () => {
  for (const [what, o] of [
    ['M(h), top frozen', {}],
    ['M(h, y), top frozen', { conditioned: true }],
    ['M(h), top moving (with its stopped copy)', { motion: 'drift' as const }],
  ] as const) {
    it(`a step and a measurement leak no tensors, and dispose frees all: ${what}`, () => {
      const start = tf.memory().numTensors;
      const run = new SufficiencyRun(tinySpec(o));
      // Past the warmup, so the drift run has made its stopped copy before counting.
      for (let s = 0; s < 4; s++) run.step();
      const before = tf.memory().numTensors;
      run.step();
      const r = run.evaluate();
      assert.equal(tf.memory().numTensors, before, `leaked ${tf.memory().numTensors - before} tensors`);
      assert.equal(r.lagErrors.length, o.motion === 'drift' ? 3 : 0);
      assert.equal(Number.isFinite(r.stoppedError), o.motion === 'drift');
      run.dispose();
      assert.equal(tf.memory().numTensors, start, 'dispose left tensors');
    });
  }

  it('M starts at zero (its error against E[g|h] is ‖E[g|h]‖²) and learns the expectation; the floor is the variance', () => {
    const run = new SufficiencyRun(tinySpec());
    try {
      const first = run.evaluate();
      assert.ok(Math.abs(first.expectedError - first.expectedNorm) < 1e-6, 'a zero-initialised synthesizer');
      for (let s = 0; s < 300; s++) run.step();
      const r = run.evaluate();
      assert.ok(r.expectedError < 0.25 * first.expectedError, `error against E[g|h]: ${first.expectedError} → ${r.expectedError}`);
      // Whatever M is, its error against per-example gradients is its error against the expectation plus the floor (up to sampling).
      assert.ok(Math.abs(r.sampleError - (r.expectedError + r.floorError)) < 0.2 * r.floorError, JSON.stringify(r));
    } finally {
      run.dispose();
    }
  });

  it('the stopped copy is the synthesizer as it was when the top began to move, and learns no more', () => {
    const run = new SufficiencyRun(tinySpec({ motion: 'drift' }));
    try {
      run.step();
      run.step();
      const atWarmup = run.evaluate();
      run.step(); // makes the copy, then updates M; the top is still where it was (it moves from step 3 on)
      const r = run.evaluate();
      assert.ok(Math.abs(r.stoppedError - atWarmup.expectedError) < 1e-7, `${r.stoppedError} vs ${atWarmup.expectedError}`);
      assert.ok(Math.abs(r.expectedError - atWarmup.expectedError) > 1e-6, 'M itself moved on');
    } finally {
      run.dispose();
    }
  });

  it('the drifting top turns at the stated pace and is frozen before the warmup ends', () => {
    const run = new SufficiencyRun(tinySpec({ motion: 'drift' }));
    try {
      assert.equal(run.angle(2), 0);
      assert.ok(Math.abs(run.angle(12) - 2 * Math.PI) < 1e-12);
      tf.tidy(() => {
        assertClose(run.topAt(1).W, run.tops[0].W, 0, 'frozen at the start');
        assertClose(run.topAt(2 + 10 / 4).W, run.tops[1].W, 1e-6, 'a quarter turn reaches the second draw');
      });
    } finally {
      run.dispose();
    }
  });
});
