/**
 * FA, Kickback and DFA (paper A.4; Czarnecki et al. 2017 frame them as synthetic gradients):
 * the gradient each sends down and the layer updates it makes, against hand computations and
 * tfjs autodiff on small FCNs; FA with B = W is backprop; the config checks; no leaks.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { Rng } from '../lib/core/rng';
import { methodSpec } from '../lib/experiments/methods';
import { Linear } from '../lib/modules/linear';
import type { NetworkSpec } from '../lib/networks/spec';
import { DfaSynthesizer } from '../lib/synthesizers/dfa';
import { mergeSynthesizer } from '../lib/synthesizers/spec';
import { BPLambdaTrainer, disposeCapture } from '../lib/trainers/bp-lambda';
import { layerLinear, scalarError } from '../lib/trainers/feedback';
import { type BPLambdaInput, bpLambdaSpec } from '../lib/trainers/spec';
import { assertClose, leakFreeMeasuredStep, randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9], classes: 5 };
const trainer = (method: string, extra: Partial<BPLambdaInput> = {}) =>
  new BPLambdaTrainer(bpLambdaSpec({ network: FCN, ...methodSpec(method, 3), seed: 3, ...extra }));

/** The gradients of layer k's parameters that a constant d at its output induces: autodiff of Σ(h_k ⊙ d). */
function autodiffLayerGrads(t: BPLambdaTrainer, k: number, hBelow: tf.Tensor, d: tf.Tensor): tf.Tensor[] {
  const layer = t.units[k - 1].layer;
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.forward(hBelow, 'train').y, d)) as tf.Scalar, layer.params());
  return layer.params().map((p) => grads[p.name]);
}

/** Put every layer's parameters back to what `snapshot` (from `snapshotOf`) holds: the values the step read. */
const snapshotOf = (t: BPLambdaTrainer) => t.units.map((u) => u.layer.params().map((p) => p.clone()));
function restore(t: BPLambdaTrainer, snap: tf.Tensor[][]): void {
  t.units.forEach((u, i) => u.layer.params().forEach((p, j) => p.assign(snap[i][j])));
}

/** h_0..h_K in training mode with the current parameters (BN's batch statistics, as the step uses). */
function forwardAll(t: BPLambdaTrainer, x: tf.Tensor): tf.Tensor[] {
  const hs = [x];
  for (const u of t.units) hs.push(u.layer.forward(hs[hs.length - 1], 'train').y);
  return hs;
}

describe('feedback alignment, Kickback and DFA as synthetic gradients', () => {
  afterEach(() => tf.disposeVariables());

  it('FA with B = W is backprop: the same gradients sent down and the same layer gradients', () => {
    const fa = trainer('fa');
    const bp = trainer('bprop');
    for (const u of fa.units) for (const m of u.layer.modules) if (m instanceof Linear) m.B!.assign(m.W);
    const { x, y } = randomBatch(FCN, 8, 1);
    const [a, b] = [fa.stepCapture({ x, y }), bp.stepCapture({ x, y })];
    for (let k = 1; k <= 3; k++) {
      a.units[k - 1].layerGrads.forEach((g, i) => assertClose(g, b.units[k - 1].layerGrads[i], 1e-5, `layer ${k} grad ${i}`));
      if (k > 1) assertClose(a.units[k - 1].dx!, b.units[k - 1].dx!, 1e-5, `z̄ from unit ${k}`);
    }
    disposeCapture(a);
    disposeCapture(b);
  });

  it('FA sends ḡ_k through the fixed random B_k (hand-computed at the classifier), and the layers below update with it (autodiff)', () => {
    const t = trainer('fa');
    const { x, y } = randomBatch(FCN, 8, 2);
    const hs = forwardAll(t, x);
    const snap = snapshotOf(t);
    const B3 = layerLinear(t.units[2].layer).B!;
    const W3 = layerLinear(t.units[2].layer).W;
    assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(B3, W3))).dataSync()[0]) > 0.01, 'B differs from W');
    const cap = t.stepCapture({ x, y });
    // The classifier is Linear: z̄_2 = e·B_3ᵀ, by hand.
    assertClose(cap.units[2].dx!, tf.matMul(cap.dlogits, B3, false, true), 1e-5, 'z̄_2 = e·B_3ᵀ');
    // Layer 2 updates with ḡ_2 = z̄_2 (λ = 1): its parameter gradients are autodiff's for that output gradient.
    restore(t, snap);
    const want = autodiffLayerGrads(t, 2, hs[1], cap.units[2].dx!);
    cap.units[1].layerGrads.forEach((g, i) => assertClose(g, want[i], 1e-4, `layer 2 grad ${i}`));
    disposeCapture(cap);
  });

  it('Kickback sends each example’s scalar error times the kick of each unit (hand-computed, 2 hidden layers)', () => {
    const t = trainer('kickback');
    const { x, y } = randomBatch(FCN, 8, 3);
    const hs = forwardAll(t, x);
    const snap = snapshotOf(t);
    const W2 = layerLinear(t.units[1].layer).W;
    const W3 = layerLinear(t.units[2].layer).W;
    const cap = t.stepCapture({ x, y });
    const e = cap.dlogits;
    const onehot = tf.oneHot(y, 5).toFloat();
    // β_b = ∂L/∂z_{b,y_b}, the error on each example's own class.
    const beta = tf.sum(tf.mul(e, onehot), 1, true);
    assertClose(scalarError(e), beta, 1e-6, 'β = Σ_c min(e, 0) = e on the labelled class');
    // Above the top hidden layer: the labelled output's weights, β·W_3[:, y].
    assertClose(cap.units[2].dx!, tf.mul(beta, tf.gather(tf.transpose(W3), y)), 1e-5, 'z̄_2 = β·W_3[:, y]');
    // Below: β times the sum of each unit's outgoing weights into the active units of layer 2.
    const kick = tf.matMul(tf.cast(tf.greater(hs[2], 0), 'float32'), W2, false, true);
    assertClose(cap.units[1].dx!, tf.mul(beta, kick), 1e-5, 'z̄_1 = β·Σ_l W_2[j, l]·1[h_2,l > 0]');
    restore(t, snap);
    const want = autodiffLayerGrads(t, 1, hs[0], cap.units[1].dx!);
    cap.units[0].layerGrads.forEach((g, i) => assertClose(g, want[i], 1e-4, `layer 1 grad ${i}`));
    disposeCapture(cap);
  });

  it('DFA: each hidden layer’s synthetic gradient is e·D_k from the broadcast error, and its layer updates with it (autodiff)', () => {
    const t = trainer('dfa');
    const { x, y } = randomBatch(FCN, 8, 4);
    const hs = forwardAll(t, x);
    const snap = snapshotOf(t);
    const cap = t.stepCapture({ x, y });
    restore(t, snap);
    for (const k of [1, 2]) {
      const D = (t.units[k - 1].synthesizer as DfaSynthesizer).projection;
      assertClose(cap.units[k - 1].synthetic!, tf.matMul(cap.dlogits, D), 1e-6, `g_${k} = e·D_${k}`);
      assertClose(cap.units[k - 1].gbar!, cap.units[k - 1].synthetic!, 0, `ḡ_${k} = g_${k} (λ = 0)`);
      const want = autodiffLayerGrads(t, k, hs[k - 1], cap.units[k - 1].synthetic!);
      cap.units[k - 1].layerGrads.forEach((g, i) => assertClose(g, want[i], 1e-4, `layer ${k} grad ${i}`));
    }
    disposeCapture(cap);
  });

  it('the DFA projection is fixed: the same after training steps, and it reads only the output error', () => {
    const t = trainer('dfa');
    const D = (t.units[0].synthesizer as DfaSynthesizer).projection;
    const before = D.dataSync().slice();
    for (let i = 0; i < 3; i++) {
      const { x, y } = randomBatch(FCN, 8, 10 + i);
      t.step({ x, y });
      tf.dispose([x, y]);
    }
    assert.deepEqual(Array.from(D.dataSync()), Array.from(before));
    assert.equal(t.units[0].synthesizer!.contract.inputs, 'outputError');
    assert.throws(() => t.units[0].synthesizer!.forward(tf.zeros([2, 10]), null, 'train'), /output error \[B, 5\]/);
  });

  it('a unit whose synthesizer reads the output error refuses its layer step before the error arrives', () => {
    const t = trainer('dfa');
    const { x } = randomBatch(FCN, 4, 5);
    tf.tidy(() => {
      t.units[0].forward({ kind: 'activation', step: 0, from: 0, h: x, labels: null });
      assert.throws(() => t.units[0].layerStep(null), /reads the output error; deliver it \(receiveError\)/);
    });
  });

  for (const method of ['fa', 'kickback', 'dfa']) {
    it(`${method}: a step, measured or not, leaks no tensors, and the measures of what it sends down are finite`, () => {
      const t = trainer(method);
      const s = leakFreeMeasuredStep(t, randomBatch(FCN, 8, 6));
      for (const key of ['sgCosine', 'sgRelError', 'sgUpdateCosine'])
        assert.ok(s.series[key].every(Number.isFinite), `${key}: ${s.series[key]}`);
      assert.ok(s.series.sgCosine.every((c) => c > -1 && c <= 1 + 1e-6));
    });
  }

  it('bad feedback configs throw a ConfigError naming the field', () => {
    const cnn: NetworkSpec = { kind: 'cnn', input: [8, 8, 1], filters: [3], pools: ['max'], kernel: 3, classes: 5 };
    const cases: [() => unknown, string][] = [
      [() => bpLambdaSpec({ network: FCN, lambda: [1, 1], feedback: 'fb' as never }), 'feedback'],
      [() => bpLambdaSpec({ network: cnn, lambda: [1], feedback: 'fa' }), 'feedback'],
      [() => bpLambdaSpec({ network: FCN, lambda: [1, 1], feedback: 'kickback', targetRefresh: 5 }), 'targetRefresh'],
      [() => bpLambdaSpec({ network: FCN, lambda: [0, 0], synthesizer: { kind: 'dfa', conditioned: true } }), 'synthesizer.conditioned'],
      [() => bpLambdaSpec({ network: FCN, lambda: [0, 0], synthesizer: { kind: 'dfa' }, targetRefresh: 2 }), 'targetRefresh'],
      [() => bpLambdaSpec({ network: cnn, lambda: [0], synthesizer: { kind: 'dfa' } }), 'synthesizer.kind'],
      [() => methodSpec('dfaa', 3), 'method'],
    ];
    for (const [f, field] of cases)
      assert.throws(f, (e: unknown) => e instanceof ConfigError && e.field === field, `expected a ConfigError on ${field}`);
  });

  it('the DFA synthesizer alone: e·D in gradient units, times its scale', () => {
    const s = new DfaSynthesizer([3], mergeSynthesizer({ kind: 'dfa', scale: 2 }), 2, new Rng(1), 'dfa');
    s.projection.assign(
      tf.tensor2d([
        [1, 0, -1],
        [0.5, 2, 0],
      ]),
    );
    const g = s.syntheticGradient(s.forward(tf.tensor2d([[1, 2]]), null, 'train').out);
    assert.deepEqual(Array.from(g.dataSync()), [4, 8, -2]);
  });
});
