/**
 * Scalar critics (paper A.4): the synthetic gradient is ∂v/∂h (autodiff), the regression step's
 * gradients are autodiff's of (v − target)², the value targets a trainer gives (each example's
 * loss, or the critic above's value), the config checks, and no leaks.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { Rng } from '../lib/core/rng';
import { methodSpec } from '../lib/experiments/methods';
import type { NetworkSpec } from '../lib/networks/spec';
import { CriticSynthesizer } from '../lib/synthesizers/critic';
import { mergeSynthesizer } from '../lib/synthesizers/spec';
import { BPLambdaTrainer, disposeCapture } from '../lib/trainers/bp-lambda';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { assertClose, leakFreeMeasuredStep, randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9, 8], classes: 5 };

/** A critic with random (not zero) output weights, so v and ∂v/∂h are not trivially zero. */
function critic(conditioned: boolean, hiddenLayers = 2): CriticSynthesizer {
  const c = new CriticSynthesizer([6], mergeSynthesizer({ kind: 'critic', conditioned, hiddenLayers, width: 7 }), 4, new Rng(2), 'critic');
  const rng = new Rng(9);
  for (const p of c.params())
    p.assign(
      tf.tensor(
        Float32Array.from({ length: p.size }, () => rng.normal() * 0.5),
        p.shape,
      ),
    );
  return c;
}

/** v(h, c) written with tfjs ops on the critic's own parameters, for autodiff. */
function criticValue(c: CriticSynthesizer, h: tf.Tensor, labels: tf.Tensor1D | null): tf.Tensor {
  const input = labels ? tf.concat([h, tf.oneHot(labels, 4).toFloat()], 1) : h;
  return tf.reshape(c.net.forward(input, 'train').y, [h.shape[0]]);
}

describe('scalar critics (paper A.4)', () => {
  afterEach(() => tf.disposeVariables());

  for (const conditioned of [false, true]) {
    for (const hiddenLayers of [0, 1, 2]) {
      it(`the synthetic gradient is ∂v/∂h by autodiff, ÷B and scaled (${conditioned ? 'label-conditioned' : 'unconditioned'}, ${hiddenLayers} hidden)`, () => {
        const c = critic(conditioned, hiddenLayers);
        const rng = new Rng(4);
        const h = tf.tensor2d(
          Float32Array.from({ length: 30 }, () => rng.normal()),
          [5, 6],
        );
        const labels = conditioned ? tf.tensor1d([0, 3, 1, 1, 2], 'int32') : null;
        const f = c.forward(h, labels, 'train');
        const want = tf.grad((x: tf.Tensor) => tf.sum(criticValue(c, x, labels)))(h);
        assertClose(f.out, want, 1e-5, '∂v/∂h');
        assertClose(f.cache.value as tf.Tensor, criticValue(c, h, labels), 1e-6, 'v');
        assertClose(c.syntheticGradient(f.out), tf.div(want, 5), 1e-5, 'consumed: ∂v/∂h ÷ B');
      });
    }
  }

  it('the regression step’s gradients are autodiff’s of Σ(v − target)² (sum) and of its mean', () => {
    for (const lossReduction of ['sum', 'mean'] as const) {
      const c = new CriticSynthesizer(
        [6],
        mergeSynthesizer({ kind: 'critic', hiddenLayers: 2, width: 7, lossReduction }),
        4,
        new Rng(2),
        'critic',
      );
      const rng = new Rng(5);
      for (const p of c.params())
        p.assign(
          tf.tensor(
            Float32Array.from({ length: p.size }, () => rng.normal() * 0.5),
            p.shape,
          ),
        );
      const h = tf.tensor2d(
        Float32Array.from({ length: 30 }, () => rng.normal()),
        [5, 6],
      );
      const target = tf.tensor1d([0.5, 2, 1, 0.1, 3]);
      const r = c.regress(c.forward(h, null, 'train'), { kind: 'value', value: target });
      const loss = () => {
        const d = tf.square(tf.sub(criticValue(c, h, null), target));
        return (lossReduction === 'sum' ? tf.sum(d) : tf.mean(d)) as tf.Scalar;
      };
      const { value, grads } = tf.variableGrads(loss, c.params());
      assertClose(r.loss, value, 1e-5, `${lossReduction}: loss`);
      c.params().forEach((p, i) => assertClose(r.grads[i], grads[p.name], 1e-4, `${lossReduction}: grad of ${p.name}`));
    }
  });

  it('a critic starts at v = 0 and g = 0 (zero-initialised value layer), and refuses a gradient target', () => {
    const c = new CriticSynthesizer([6], mergeSynthesizer({ kind: 'critic', hiddenLayers: 1, width: 7 }), 4, new Rng(2), 'critic');
    const f = c.forward(tf.ones([3, 6]), null, 'train');
    assert.equal(tf.max(tf.abs(f.out)).dataSync()[0], 0);
    assert.equal(tf.max(tf.abs(f.cache.value as tf.Tensor)).dataSync()[0], 0);
    assert.throws(() => c.regress(f, tf.ones([3, 6])), /regresses onto a value target, got a gradient/);
  });

  it('in a trainer: a critic regresses onto each example’s loss, or (bootstrap) onto the value of the critic above, L at the top', () => {
    const net = FCN;
    for (const method of ['critic', 'ccritic+boot']) {
      const t = new BPLambdaTrainer(
        bpLambdaSpec({
          network: net,
          ...methodSpec(method, 4),
          synthesizer: { ...methodSpec(method, 4).synthesizer, hiddenLayers: 1, width: 8 },
          seed: 2,
        }),
      );
      // Two steps first, so the critics' values are no longer zero.
      for (let i = 0; i < 2; i++) {
        const { x, y } = randomBatch(net, 8, 20 + i);
        t.step({ x, y });
      }
      const { x, y } = randomBatch(net, 8, 30);
      // The values each critic gives before the step (the trainer's forward is the same: training-mode BN).
      const hs = [x];
      for (const u of t.units) hs.push(u.layer.forward(hs[hs.length - 1], 'train').y);
      const values = [1, 2, 3].map((k) => t.units[k - 1].synthesizer!.forward(hs[k], y, 'train').cache.value as tf.Tensor);
      const logits = hs[4];
      const perExample = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(y, 5).toFloat()), 1));
      const cap = t.stepCapture({ x, y });
      for (const k of [1, 2, 3]) {
        const want = method === 'critic' || k === 3 ? perExample : values[k];
        assertClose(cap.units[k - 1].target!, want, 1e-4, `${method}: target of critic ${k}`);
        assertClose(cap.units[k - 1].gbar!, cap.units[k - 1].synthetic!, 0, `${method}: ḡ_${k} = g_${k}`);
      }
      disposeCapture(cap);
      t.dispose();
    }
  });

  for (const method of ['critic', 'ccritic', 'critic+boot', 'ccritic+boot']) {
    it(`${method}: a step, measured or not, leaks no tensors`, () => {
      const t = new BPLambdaTrainer(
        bpLambdaSpec({ network: FCN, ...methodSpec(method, 4), synthesizer: { ...methodSpec(method, 4).synthesizer, width: 8 } }),
      );
      const s = leakFreeMeasuredStep(t, randomBatch(FCN, 8, 6));
      assert.ok(s.series.sgCosine.every(Number.isFinite), `cosines ${s.series.sgCosine}`);
      assert.ok(s.series.sgLoss.every(Number.isFinite), `regression losses ${s.series.sgLoss}`);
    });
  }

  it('bad critic configs throw a ConfigError naming the field', () => {
    const cnn: NetworkSpec = { kind: 'cnn', input: [8, 8, 1], filters: [3], pools: ['max'], kernel: 3, classes: 5 };
    const lam = [0, 0, 0];
    const cases: [() => unknown, string][] = [
      [
        () => bpLambdaSpec({ network: FCN, lambda: lam, synthesizer: { kind: 'critic', valueTarget: 'return' as never } }),
        'synthesizer.valueTarget',
      ],
      [() => bpLambdaSpec({ network: FCN, lambda: lam, synthesizer: { valueTarget: 'loss' } }), 'synthesizer.valueTarget'],
      [
        () => bpLambdaSpec({ network: FCN, lambda: lam, synthesizer: { kind: 'critic', targetUnits: 'batchMean' } }),
        'synthesizer.targetUnits',
      ],
      [() => bpLambdaSpec({ network: FCN, lambda: lam, synthesizer: { kind: 'critic' }, oracle: true }), 'oracle'],
      [() => bpLambdaSpec({ network: FCN, lambda: lam, synthesizer: { kind: 'critic' }, targetRefresh: 3 }), 'targetRefresh'],
      [
        () => bpLambdaSpec({ network: FCN, lambda: lam, synthesizers: { '2': { kind: 'critic', valueTarget: 'sometimes' as never } } }),
        'synthesizers.2.valueTarget',
      ],
      [() => bpLambdaSpec({ network: cnn, lambda: [0], synthesizer: { kind: 'critic' } }), 'synthesizer.kind'],
      [() => bpLambdaSpec({ network: FCN, lambda: lam, synthesizer: { kind: 'kritic' as never } }), 'synthesizer.kind'],
      [() => methodSpec('critic+bot', 4), 'method'],
    ];
    for (const [f, field] of cases)
      assert.throws(f, (e: unknown) => e instanceof ConfigError && e.field === field, `expected a ConfigError on ${field}`);
  });
});
