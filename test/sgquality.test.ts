/**
 * Synthetic-gradient quality (paper Figure 12): the metrics against numbers worked out by hand,
 * the trainer's measurement against tfjs autodiff of the full loss, and a check that measuring
 * never changes an update.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { mnistFcn } from '../lib/networks/build';
import type { Lambda } from '../lib/trainers/mixture';
import type { NetworkSpec } from '../lib/networks/spec';
import type { Dataset } from '../lib/data/dataset';
import { methodSpec } from '../lib/experiments/methods';
import { refLoss, refModule } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { train } from '../lib/runs/train-classifier';
import type { Synthesizer } from '../lib/synthesizers/synthesizer';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import {
  gradCosine,
  SG_QUALITY_SERIES,
  sgCosine,
  sgDistance,
  sgQuality,
  sgRelError,
  sgSignError,
  sgTrueNorm,
} from '../lib/trainers/sg-quality';
import { bpLambdaSpec, type BPLambdaInput } from '../lib/trainers/spec';
import { randomBatch } from './assert';

// Three examples of three entries; the true gradient t and a synthetic gradient g.
//   b = 1: g = (3, 4, 0),  t = (0, 4, 3):  ‖g − t‖ = ‖(3, 0, −3)‖ = √18; cos = 16 / (5·5) = 0.64;
//          signs (+, +, 0) vs (0, +, +): 2 of 3 differ.
//   b = 2: g = (1, −1, 0), t = (−2, 2, 0): ‖(3, −3, 0)‖ = √18; cos = −4 / (√2·√8) = −1;
//          signs (+, −, 0) vs (−, +, 0): 2 of 3 differ (both zero in the last entry: right).
//   b = 3: g = 0,          t = (1, 2, 2):  ‖t‖ = 3; cos counted as 0; all 3 signs differ.
const G = [3, 4, 0, 1, -1, 0, 0, 0, 0];
const T = [0, 4, 3, -2, 2, 0, 1, 2, 2];
const DISTANCE = (2 * Math.sqrt(18) + 3) / 3;
const COSINE = (0.64 - 1 + 0) / 3;
const SIGN_ERROR = (2 / 3 + 2 / 3 + 1) / 3;
// ‖t_b‖ = 5, √8, 3; over the batch ‖g − t‖² = 18 + 18 + 9 = 45 and ‖t‖² = 25 + 8 + 9 = 42.
const TRUE_NORM = (5 + Math.sqrt(8) + 3) / 3;
const REL_ERROR = Math.sqrt(45 / 42);

function close(got: tf.Scalar, want: number, what: string): void {
  const v = got.dataSync()[0];
  got.dispose();
  assert.ok(Math.abs(v - want) < 1e-6, `${what}: got ${v}, want ${want}`);
}

describe('synthetic-gradient quality', () => {
  it('distance, cosine and sign error are per-example means (hand-computed, FCN-shaped)', () => {
    const g = tf.tensor(G, [3, 3]);
    const t = tf.tensor(T, [3, 3]);
    close(sgDistance(g, t), DISTANCE, 'distance');
    close(sgCosine(g, t), COSINE, 'cosine');
    close(sgSignError(g, t), SIGN_ERROR, 'sign error');
    // The whole-batch norm would differ: ‖g − t‖ over all 9 entries is √45, not the per-example mean.
    assert.ok(Math.abs(DISTANCE - Math.sqrt(45)) > 0.5);
    tf.dispose([g, t]);
  });

  it('the true gradient’s norm is a per-example mean, the relative error one of the whole batch (hand-computed)', () => {
    const g = tf.tensor(G, [3, 3]);
    const t = tf.tensor(T, [3, 3]);
    close(sgTrueNorm(t), TRUE_NORM, 'true norm');
    close(sgRelError(g, t), REL_ERROR, 'relative error');
    close(sgRelError(tf.zerosLike(t), t), 1, 'relative error of a zero synthetic gradient');
    tf.dispose([g, t]);
  });

  it('gradCosine flattens and concatenates the tensors of each gradient (hand-computed), 0 for a zero gradient', () => {
    // a = (1, 2 | 3), b = (2, 0 | 0): ⟨a, b⟩ = 2, ‖a‖ = √14, ‖b‖ = 2.
    const a = [tf.tensor([1, 2], [1, 2]), tf.tensor([3])];
    const b = [tf.tensor([2, 0], [1, 2]), tf.tensor([0])];
    close(gradCosine(a, b), 1 / Math.sqrt(14), 'cosine');
    close(
      gradCosine(
        a,
        b.map((x) => tf.zerosLike(x)),
      ),
      0,
      'cosine with a zero gradient',
    );
    assert.throws(() => gradCosine(a, [b[0]]), /gradCosine: the gradients have shapes/);
    tf.dispose([...a, ...b]);
  });

  it('an example’s gradient is flattened over every axis but the batch (CNN-shaped maps)', () => {
    const g = tf.tensor(G, [3, 1, 3, 1]);
    const t = tf.tensor(T, [3, 1, 3, 1]);
    const q = sgQuality(g, t);
    close(q.distance, DISTANCE, 'distance');
    close(q.cosine, COSINE, 'cosine');
    close(q.signError, SIGN_ERROR, 'sign error');
    tf.dispose([g, t]);
  });

  it('identical gradients: distance 0, cosine 1, sign error 0; scale does not change the cosine', () => {
    const t = tf.tensor(T, [3, 3]);
    const q = sgQuality(t, t);
    close(q.distance, 0, 'distance');
    close(q.cosine, 1, 'cosine');
    close(q.signError, 0, 'sign error');
    const g = tf.mul(t, 1e-3);
    close(sgCosine(g, t), 1, 'cosine of a scaled copy');
    tf.dispose([t, g]);
  });

  it('rejects mismatched shapes and leaks no tensors', () => {
    const g = tf.tensor(G, [3, 3]);
    const t = tf.tensor(T, [3, 3]);
    assert.throws(() => sgDistance(g, tf.reshape(t, [9, 1])), /shape \[3,3\].*\[9,1\]/);
    const before = tf.memory().numTensors;
    const q = sgQuality(g, t);
    assert.equal(tf.memory().numTensors, before + 5);
    tf.dispose([q.distance, q.cosine, q.signError, q.trueNorm, q.relError, g, t]);
  });
});

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9, 8], classes: 5 };

function trainer(lambda: Lambda[], extra: Partial<BPLambdaInput> = {}): BPLambdaTrainer {
  return new BPLambdaTrainer(
    bpLambdaSpec({
      network: FCN,
      lambda,
      seed: 3,
      optimizer: { lr: 0.01 },
      ...extra,
      synthesizer: { hiddenLayers: 0, ...extra.synthesizer },
    }),
  );
}

/** Non-zero synthesizer weights, so synthetic gradients are not trivially zero. */
function randomiseSynthesizers(t: BPLambdaTrainer, seed: number): void {
  const rng = new Rng(seed);
  for (const u of t.units) for (const p of u.synthesizer?.params() ?? []) p.assign(tf.tensor(rng.normals(p.size, 0.05), p.shape));
}

const values = (t: BPLambdaTrainer) => t.params().map((p) => p.dataSync().slice());

describe('synthetic-gradient quality during training', () => {
  afterEach(() => tf.disposeVariables());

  it('the measured numbers compare the consumed synthetic gradient (÷B, scaled) with autodiff’s ∂L/∂h_k, and the layer gradients they induce; NaN without a synthesizer', () => {
    const t = trainer([0, 1, 0], { synthesizer: { scale: 0.7, targetUnits: 'perExample', conditioned: true } });
    randomiseSynthesizers(t, 4);
    const { x, y } = randomBatch(FCN, 16, 1);
    const K = t.units.length;
    const hs = [x];
    for (const u of t.units) hs.push(refModule(u.layer, hs[hs.length - 1]));
    const want: Record<string, number[]> = {
      sgDistance: [],
      sgCosine: [],
      sgSignError: [],
      sgTrueNorm: [],
      sgRelError: [],
      sgUpdateCosine: [],
    };
    for (let k = 1; k < K; k++) {
      const s = t.units[k - 1].synthesizer as Synthesizer | null;
      if (!s) {
        for (const v of Object.values(want)) v.push(NaN);
        continue;
      }
      const truth = tf.grad((h: tf.Tensor) =>
        refLoss(
          t.units.slice(k).reduce((a, u) => refModule(u.layer, a), h),
          y,
        ),
      )(hs[k]);
      const synthetic = tf.mul(refModule(s.net, tf.concat([hs[k], tf.oneHot(y, FCN.classes).toFloat()], 1)), 0.7 / 16);
      want.sgDistance.push(sgDistance(synthetic, truth).dataSync()[0]);
      want.sgCosine.push(sgCosine(synthetic, truth).dataSync()[0]);
      want.sgSignError.push(sgSignError(synthetic, truth).dataSync()[0]);
      want.sgTrueNorm.push(sgTrueNorm(truth).dataSync()[0]);
      want.sgRelError.push(Math.hypot(...tf.sub(synthetic, truth).dataSync()) / Math.hypot(...truth.dataSync()));
      // The layer gradient d·∂h_k/∂θ_k, by autodiff of the reference layer, for d = g and d = t.
      const layer = t.units[k - 1].layer;
      const induced = (d: tf.Tensor) => {
        const r = tf.variableGrads(() => tf.sum(tf.mul(refModule(layer, hs[k - 1]), d)), layer.params());
        return layer.params().map((p) => r.grads[p.name]);
      };
      const [a, b] = [induced(synthetic), induced(truth)].map((gs) => gs.flatMap((x) => Array.from(x.dataSync())));
      const dot = a.reduce((acc, v, i) => acc + v * b[i], 0);
      want.sgUpdateCosine.push(dot / (Math.hypot(...a) * Math.hypot(...b)));
    }
    const stats = t.step({ x, y }, { stats: true, measureSG: true })!;
    for (const [name, w] of Object.entries(want)) {
      const got = stats.series[name];
      assert.equal(got.length, K - 1, name);
      got.forEach((v, i) => {
        if (Number.isNaN(w[i])) assert.ok(Number.isNaN(v), `${name}[${i}]: connection ${i + 1} has no synthesizer, got ${v}`);
        else assert.ok(Math.abs(v - w[i]) <= 1e-4 * Math.max(1, Math.abs(w[i])), `${name}[${i}]: got ${v}, want ${w[i]}`);
      });
    }
    // The synthesizers were randomised, so the numbers are not the trivial ones of a zero gradient.
    assert.ok(stats.series.sgCosine.some((v) => Math.abs(v) > 1e-3));
    assert.ok(stats.series.sgUpdateCosine.some((v) => Math.abs(v) > 1e-3 && Math.abs(v) < 0.999));
    // Without measureSG (or without stats) the series has the synthesizer loss only.
    assert.deepEqual(Object.keys(t.step({ x, y }, { stats: true })!.series), ['sgLoss']);
    assert.equal(t.step({ x, y }, { measureSG: true }), null);
    tf.dispose([x, y]);
  });

  for (const method of ['dni', 'cdni', 'lambda=0.5'] as const) {
    it(`measuring never changes an update: parameters after 4 steps are bit-identical with and without it (${method})`, () => {
      const m = methodSpec(method, 4);
      const run = (measure: boolean) => {
        const t = trainer(m.lambda, { synthesizer: { hiddenLayers: 1, width: 6, ...m.synthesizer } });
        for (let s = 0; s < 4; s++) {
          const { x, y } = randomBatch(FCN, 8, 20 + s);
          t.step({ x, y }, { stats: true, measureSG: measure });
          tf.dispose([x, y]);
        }
        return values(t);
      };
      const [off, on] = [run(false), run(true)];
      on.forEach((arr, i) =>
        assert.ok(
          arr.every((v, j) => Object.is(v, off[i][j])),
          `parameter ${i} differs`,
        ),
      );
      // And training moved them, so the comparison is not of untouched initial values.
      const t0 = trainer(m.lambda, { synthesizer: { hiddenLayers: 1, width: 6, ...m.synthesizer } });
      assert.ok(values(t0).some((arr, i) => arr.some((v, j) => v !== off[i][j])));
    });
  }

  it('a measured step leaks no tensors', () => {
    const t = trainer([0, 0, 0], { synthesizer: { conditioned: true } });
    const { x, y } = randomBatch(FCN, 8, 2);
    t.step({ x, y }, { stats: true, measureSG: true });
    const before = tf.memory().numTensors;
    t.step({ x, y }, { stats: true, measureSG: true });
    t.step({ x, y });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
  });

  it('runs with measureSG record every series at every evaluation (mean over the read steps)', async () => {
    const rng = new Rng(1);
    const toy = (n: number): Dataset => ({
      name: 'toy',
      x: Float32Array.from({ length: n * 784 }, () => rng.uniform()),
      y: Int32Array.from({ length: n }, () => rng.int(10)),
      n,
      shape: [784],
      numClasses: 10,
    });
    const data = { train: toy(64), test: toy(16) };
    const r = await train(
      {
        trainer: { network: mnistFcn(3, 8), lambda: [0, 1], synthesizer: { hiddenLayers: 0 } },
        steps: 4,
        batchSize: 8,
        evalEvery: 2,
        trainEvalExamples: 0,
        measureSG: true,
      },
      data,
    );
    assert.equal(r.history.length, 2);
    assert.equal(SG_QUALITY_SERIES.length, 6);
    for (const rec of r.history) {
      for (const name of SG_QUALITY_SERIES) {
        assert.equal(rec.series[name].length, 2, name);
        assert.ok(Number.isFinite(rec.series[name][0]) && Number.isNaN(rec.series[name][1]), `${name}: ${rec.series[name]}`);
      }
    }
    const plain = await train(
      {
        trainer: { network: mnistFcn(3, 8), lambda: [0, 1], synthesizer: { hiddenLayers: 0 } },
        steps: 2,
        batchSize: 8,
        evalEvery: 2,
        trainEvalExamples: 0,
      },
      data,
    );
    assert.deepEqual(Object.keys(plain.final.series), ['sgLoss']);
  });
});
