/**
 * BP(λ) identities (paper A.1–A.2), each checked against tfjs autodiff of
 * reference forward passes (lib/trainers/reference.ts) that share no backward code.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { Lambda } from '../lib/trainers/mixture';
import type { NetworkSpec } from '../lib/networks/spec';
import { bpLambdaSpec, type BPLambdaInput, type BPLambdaSpec } from '../lib/trainers/spec';
import { Rng } from '../lib/core/rng';
import { BPLambdaTrainer, disposeCapture } from '../lib/trainers/bp-lambda';
import type { Synthesizer } from '../lib/synthesizers/synthesizer';
import { refLoss, refModule, vjp } from '../lib/trainers/reference';
import { assertClose, randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9, 8], classes: 5 };
const CNN: NetworkSpec = { kind: 'cnn', input: [8, 8, 2], filters: [3, 4], pools: ['max', 'avg'], kernel: 5, classes: 4 };

const batch = randomBatch;

function spec(net: NetworkSpec, lambda: Lambda[], extra: Partial<BPLambdaInput> = {}): BPLambdaSpec {
  return bpLambdaSpec({
    network: net,
    lambda,
    seed: 3,
    ...extra,
    synthesizer: { hiddenLayers: 0, width: 1, conditioned: false, kernel: 5, ...extra.synthesizer },
  });
}

/** Give every synthesizer non-zero weights, so synthetic gradients are not trivially zero. */
function randomiseSynthesizers(t: BPLambdaTrainer, seed: number): void {
  const rng = new Rng(seed);
  for (const u of t.units) for (const p of u.synthesizer?.params() ?? []) p.assign(tf.tensor(rng.normals(p.size, 0.05), p.shape));
}

/** Reference activations h_0..h_K (training mode) from the trainer's current parameters. */
function refActivations(t: BPLambdaTrainer, x: tf.Tensor): tf.Tensor[] {
  const hs = [x];
  for (const u of t.units) hs.push(refModule(u.layer, hs[hs.length - 1]));
  return hs;
}

/** Reference synthetic gradient s·M(h) as consumed (conditioned: [h, onehot]; ÷B in 'perExample' units). */
function refSynthetic(t: BPLambdaTrainer, k: number, h: tf.Tensor, y: tf.Tensor1D): tf.Tensor {
  const u = t.units[k - 1];
  const s = u.synthesizer as Synthesizer;
  const input = s.spec.conditioned ? tf.concat([h, tf.oneHot(y, s.classes).toFloat()], 1) : h;
  const b = s.spec.targetUnits === 'perExample' ? h.shape[0] : 1;
  return tf.mul(refModule(s.net, input), s.spec.scale / b);
}

describe('BP(λ)', () => {
  afterEach(() => tf.disposeVariables());

  it('BP(1) parameter gradients equal backprop of the full loss (FCN)', () => {
    const t = new BPLambdaTrainer(spec(FCN, [1, 1, 1]));
    const { x, y } = batch(FCN, 16, 1);
    const vars = t.layerParams().flat();
    const ref = tf.variableGrads(() => refLoss(refActivations(t, x).pop()!, y), vars);
    const cap = t.stepCapture({ x, y });
    const ours = cap.units.flatMap((u) => u.layerGrads);
    assert.equal(ours.length, vars.length);
    vars.forEach((v, i) => assertClose(ours[i], ref.grads[v.name], 1e-4, v.name));
    disposeCapture(cap);
  });

  it('BP(1) parameter gradients equal backprop of the full loss (CNN with BN, cpu backend)', async () => {
    // tfjs-backend-wasm has no Conv2DBackpropFilter, so the autodiff reference runs on cpu.
    const before = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const t = new BPLambdaTrainer(spec(CNN, [1, 1]));
      const { x, y } = batch(CNN, 6, 2);
      // The reference forward is the same function as the library's.
      const logits = t.units.reduce((h, u) => u.layer.forward(h, 'train').y, x);
      assertClose(logits, refActivations(t, x).pop()!, 1e-5, 'CNN logits');
      const vars = t.layerParams().flat();
      const ref = tf.variableGrads(() => refLoss(refActivations(t, x).pop()!, y), vars);
      const cap = t.stepCapture({ x, y });
      const ours = cap.units.flatMap((u) => u.layerGrads);
      vars.forEach((v, i) => assertClose(ours[i], ref.grads[v.name], 1e-4, v.name));
      disposeCapture(cap);
      tf.disposeVariables();
    } finally {
      await tf.setBackend(before);
    }
  });

  for (const targetUnits of ['perExample', 'batchMean'] as const)
    it(`for random λ ∈ (0,1)^K, ḡ_k is the mixture Σ_n c_k^n g_k^n of paper A.2 (${targetUnits} synthesizer units)`, () => {
      const rng = new Rng(7);
      const lambda = [0, 0, 0].map(() => 0.1 + 0.8 * rng.uniform());
      const t = new BPLambdaTrainer(spec(FCN, lambda, { synthesizer: { scale: 0.7, targetUnits } }));
      randomiseSynthesizers(t, 11);
      const { x, y } = batch(FCN, 16, 3);
      const K = t.units.length;
      const hs = refActivations(t, x);
      const dLdhK = tf.grad((logits: tf.Tensor) => refLoss(logits, y))(hs[K]);
      // g_n for n < K: the (scaled) synthetic gradient; for n = K: the true gradient.
      const g = (n: number) => (n === K ? dLdhK : refSynthetic(t, n, hs[n], y));
      // g_k^n: apply g_n, then the chain rule back from h_n to h_k.
      const unroll = (k: number, n: number) => vjp((hk) => t.units.slice(k, n).reduce((h, u) => refModule(u.layer, h), hk), hs[k], g(n));
      const expected: tf.Tensor[] = [];
      for (let k = 1; k < K; k++) {
        let sum = tf.zerosLike(hs[k]);
        let prod = 1; // Π_{j=k}^{n−1} λ_j
        for (let n = k; n <= K; n++) {
          const c = n === K ? prod : (1 - lambda[n - 1]) * prod;
          sum = tf.add(sum, tf.mul(n === k ? g(k) : unroll(k, n), c));
          if (n < K) prod *= lambda[n - 1];
        }
        expected.push(sum);
      }
      const cap = t.stepCapture({ x, y });
      for (let k = 1; k < K; k++) assertClose(cap.units[k - 1].gbar!, expected[k - 1], 2e-4, `ḡ_${k}`);
      disposeCapture(cap);
    });

  it('BP(0): each target is the one-step vector–Jacobian product, and nothing crosses a DNI', () => {
    const t = new BPLambdaTrainer(spec(FCN, [0, 0, 0]));
    randomiseSynthesizers(t, 5);
    const { x, y } = batch(FCN, 16, 4);
    const K = t.units.length;
    const hs = refActivations(t, x);
    const dLdhK = tf.grad((logits: tf.Tensor) => refLoss(logits, y))(hs[K]);
    const gbar = (k: number) => (k === K ? dLdhK : refSynthetic(t, k, hs[k], y));
    // z̄_k = ḡ_{k+1}·∂h_{k+1}/∂h_k, one layer only.
    const targets = [1, 2, 3].map((k) => vjp((h) => refModule(t.units[k].layer, h), hs[k], gbar(k + 1)));
    // With λ = 0 layer k is updated with s·g_k alone: gradients of ⟨s·g_k, h_k(θ_k)⟩.
    const layerGrads = [1, 2, 3].map((k) => {
      const vars = t.units[k - 1].layer.params();
      const g = gbar(k);
      const r = tf.variableGrads(() => tf.sum(tf.mul(refModule(t.units[k - 1].layer, hs[k - 1]), g)) as tf.Scalar, vars);
      return vars.map((v) => r.grads[v.name]);
    });
    const cap = t.stepCapture({ x, y });
    for (let k = 1; k < K; k++) {
      assertClose(cap.units[k - 1].target!, targets[k - 1], 1e-4, `z̄_${k}`);
      layerGrads[k - 1].forEach((g, i) => assertClose(cap.units[k - 1].layerGrads[i], g, 1e-4, `layer ${k} grad ${i}`));
    }
    disposeCapture(cap);
  });

  it('oracle mode regresses onto the true backprop gradient', () => {
    const t = new BPLambdaTrainer(spec(FCN, [0, 0, 0], { oracle: true }));
    randomiseSynthesizers(t, 6);
    const { x, y } = batch(FCN, 16, 5);
    const hs = refActivations(t, x);
    const trueGrads = [1, 2, 3].map((k) =>
      tf.grad((h: tf.Tensor) =>
        refLoss(
          t.units.slice(k).reduce((a, u) => refModule(u.layer, a), h),
          y,
        ),
      )(hs[k]),
    );
    const cap = t.stepCapture({ x, y });
    [1, 2, 3].forEach((k) => assertClose(cap.units[k - 1].target!, trueGrads[k - 1], 1e-4, `oracle target ${k}`));
    disposeCapture(cap);
  });

  it('at step 0 the layers below a DNI do not move: their synthetic gradient is exactly zero', () => {
    for (const lambda of [
      [0, 0, 0],
      [1, 0, 1],
    ] as Lambda[][]) {
      const t = new BPLambdaTrainer(spec(FCN, lambda, { synthesizer: { hiddenLayers: 2, width: 16, conditioned: true, kernel: 5 } }));
      const before = t.layerParams().map((ps) => ps.map((p) => p.dataSync().slice()));
      const { x, y } = batch(FCN, 16, 6);
      t.step({ x, y });
      const lowest = lambda.lastIndexOf(0); // connections 0..lowest have a DNI at or above them
      t.layerParams().forEach((ps, i) => {
        const moved = ps.some((p, j) => p.dataSync().some((v, e) => v !== before[i][j][e]));
        assert.equal(moved, i > lowest, `λ = [${lambda}]: layer ${i + 1} ${moved ? 'moved' : 'did not move'}`);
      });
      tf.disposeVariables();
    }
  });

  it('No Bprop: layers below a connection with no gradient never move', () => {
    const t = new BPLambdaTrainer(spec(FCN, ['none', 'none', 'none']));
    const before = t.layerParams().map((ps) => ps.map((p) => p.dataSync().slice()));
    for (let s = 0; s < 3; s++) {
      const { x, y } = batch(FCN, 16, 10 + s);
      t.step({ x, y });
    }
    t.layerParams().forEach((ps, i) => {
      const moved = ps.some((p, j) => p.dataSync().some((v, e) => v !== before[i][j][e]));
      assert.equal(moved, i === 3, `layer ${i + 1}`);
    });
  });

  it('synthesizer regression gradients equal autodiff of the SG loss (2 hidden layers with BN, cDNI)', () => {
    for (const reduction of ['sum', 'mean'] as const) {
      const t = new BPLambdaTrainer(
        spec(FCN, [0, 1, 1], {
          synthesizer: {
            hiddenLayers: 2,
            width: 7,
            conditioned: true,
            kernel: 5,
            lossReduction: reduction,
            lossWeight: 0.5,
            targetUnits: 'batchMean',
          },
        }),
      );
      randomiseSynthesizers(t, 8);
      const { x, y } = batch(FCN, 16, 7);
      const s = t.units[0].synthesizer as Synthesizer;
      const hs = refActivations(t, x);
      const cap0 = tf.tidy(() => {
        // z̄_1 under BP(1) above is the true gradient ∂L/∂h_1 (batch-mean units: regressed onto as it is).
        const z = tf.grad((h: tf.Tensor) =>
          refLoss(
            t.units.slice(1).reduce((a, u) => refModule(u.layer, a), h),
            y,
          ),
        )(hs[1]);
        const input = tf.concat([hs[1], tf.oneHot(y, 5).toFloat()], 1);
        const r = tf.variableGrads(() => {
          const d = tf.sub(refModule(s.net, input), z);
          const sq = tf.sum(tf.square(d));
          return tf.mul(reduction === 'sum' ? sq : tf.div(sq, d.size), 0.5) as tf.Scalar;
        }, s.params());
        return s.params().map((p) => tf.keep(r.grads[p.name]));
      });
      // The step applies Adam; recover the applied gradient from a capture instead.
      const grads = tf.tidy(() => {
        const out: tf.Tensor[] = [];
        const u = t.units[0];
        const f = u.layer.forward(x, 'train');
        const sg = s.forward(f.y, y, 'train');
        const z = tf.grad((h: tf.Tensor) =>
          refLoss(
            t.units.slice(1).reduce((a, uu) => refModule(uu.layer, a), h),
            y,
          ),
        )(f.y);
        const r = s.regress(sg, z);
        for (const g of r.grads) out.push(tf.keep(g));
        return out;
      });
      cap0.forEach((g, i) => assertClose(grads[i], g, 1e-4, `${reduction}: synthesizer param ${s.params()[i].name}`));
      tf.dispose([...cap0, ...grads]);
      tf.disposeVariables();
    }
  });

  it("in 'perExample' units the synthesizer regresses onto B·z̄ (its first update matches autodiff of Σ(g − B·z̄)²)", () => {
    const t = new BPLambdaTrainer(
      spec(FCN, [0, 1, 1], {
        synthesizer: { targetUnits: 'perExample' },
        optimizer: { lr: 0.01, beta1: 0, beta2: 0.999, eps: 1e-30, decaySteps: [], decayFactor: 0.1 },
      }),
    );
    randomiseSynthesizers(t, 12);
    const { x, y } = batch(FCN, 16, 9);
    const s = t.units[0].synthesizer as Synthesizer;
    const hs = refActivations(t, x);
    const z = tf.grad((h: tf.Tensor) =>
      refLoss(
        t.units.slice(1).reduce((a, u) => refModule(u.layer, a), h),
        y,
      ),
    )(hs[1]);
    const ref = tf.variableGrads(() => tf.sum(tf.square(tf.sub(refModule(s.net, hs[1]), tf.mul(z, 16)))) as tf.Scalar, s.params());
    const before = s.params().map((p) => tf.clone(p));
    t.step({ x, y });
    // Adam's first step with β1 = 0 and ε ≈ 0 moves every weight by lr·sign(gradient).
    s.params().forEach((p, i) => {
      const moved = tf.tidy(() => tf.sub(before[i], p));
      assertClose(moved, tf.mul(tf.sign(ref.grads[p.name]), 0.01), 1e-3, `synthesizer param ${p.name}`, 1e-6);
    });
  });

  it('a CNN cDNI synthesizer sees 10 label channels (ones on the label channel) and outputs h’s shape', () => {
    const t = new BPLambdaTrainer(spec(CNN, [0, 0], { synthesizer: { hiddenLayers: 0, width: 1, conditioned: true, kernel: 3 } }));
    randomiseSynthesizers(t, 9);
    const { x, y } = batch(CNN, 4, 8);
    const s = t.units[0].synthesizer as Synthesizer;
    const hs = refActivations(t, x);
    const [b, h, w] = hs[1].shape;
    const maps = tf.tidy(() => {
      const oh = tf.oneHot(y, 4).toFloat().reshape([b, 1, 1, 4]);
      return tf.mul(tf.ones([b, h, w, 4]), oh);
    });
    const expected = refModule(s.net, tf.concat([hs[1], maps], 3));
    const got = s.forward(hs[1], y, 'train').out;
    assert.deepEqual(got.shape, hs[1].shape);
    assertClose(got, expected, 1e-5, 'conv cDNI synthesizer output');
  });
});
