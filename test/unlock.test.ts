/**
 * Complete unlock (paper D.1, main text Figure 6): every unit k ≥ 2 runs forward in training on
 * its synthetic input ĥ_{k−1} = I_k(x), and I_k regresses onto the real o_{k−1} of the unit
 * below. Checked against separate computations with plain tfjs ops and autodiff (lib/reference),
 * for leaks, for its composition with the other trainer options, and that leaving it off is
 * today's code to the bit.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Lambda } from '../lib/trainers/mixture';
import type { NetworkSpec } from '../lib/networks/spec';
import { BatchNorm } from '../lib/modules/batchnorm';
import type { Module } from '../lib/modules/module';
import { Sequential } from '../lib/modules/sequential';
import { ConfigError } from '../lib/core/errors';
import { methodSpec } from '../lib/experiments/methods';
import { refLoss, refModule, vjp } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { runSpec } from '../lib/runs/train-classifier';
import { BPLambdaTrainer, disposeCapture, unitSpecs } from '../lib/trainers/bp-lambda';
import type { ActivationMessage, GradientMessage } from '../lib/trainers/messages';
import { updatesAt } from '../lib/trainers/seeds';
import { bpLambdaSpec, type BPLambdaInput } from '../lib/trainers/spec';
import { SYNTHETIC_INPUT_DEFAULTS } from '../lib/synthesizers/synthetic-input';
import { Unit } from '../lib/trainers/unit';
import { classification } from '../lib/tasks/classification';
import type { Synthesizer } from '../lib/synthesizers/synthesizer';
import { assertClose, maxAbs, maxAbsDiff, randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9, 8], classes: 5 };
const CNN: NetworkSpec = { kind: 'cnn', input: [8, 8, 2], filters: [3, 4], pools: ['max', 'avg'], kernel: 3, classes: 4 };
const B = 8;

function trainer(lambda: Lambda[], extra: Partial<BPLambdaInput> = {}): BPLambdaTrainer {
  return new BPLambdaTrainer(
    bpLambdaSpec({
      network: FCN,
      lambda,
      seed: 5,
      optimizer: { lr: 0.01 },
      syntheticInputs: { hiddenLayers: 1, width: 7 },
      ...extra,
      synthesizer: { hiddenLayers: 0, ...extra.synthesizer },
    }),
  );
}

/** Non-zero synthesizer weights, so synthetic gradients are not trivially zero. */
function randomiseSynthesizers(t: BPLambdaTrainer, seed: number): void {
  const rng = new Rng(seed);
  for (const u of t.units) for (const p of u.synthesizer?.params() ?? []) p.assign(tf.tensor(rng.normals(p.size, 0.1), p.shape));
}

/** ĥ_{k−1} for k = 1..K (index k − 1): x for unit 1, I_k(x) above, by reference forwards. */
function refInputs(t: BPLambdaTrainer, x: tf.Tensor): tf.Tensor[] {
  return t.units.map((u) => (u.syntheticInput ? refModule(u.syntheticInput.net, x) : x));
}

/** Training-mode outputs o_k = f_k(ĥ_{k−1}) (index k − 1). */
function refOutputs(t: BPLambdaTrainer, inputs: tf.Tensor[]): tf.Tensor[] {
  return t.units.map((u, i) => refModule(u.layer, inputs[i]));
}

/** The chained activations h_1..h_K of the connected network (index k − 1), training mode. */
function refChained(t: BPLambdaTrainer, x: tf.Tensor): tf.Tensor[] {
  const hs: tf.Tensor[] = [];
  t.units.reduce((h, u) => {
    const o = refModule(u.layer, h);
    hs.push(o);
    return o;
  }, x);
  return hs;
}

/** The synthetic gradient as consumed: M_k(o) ÷ B ('perExample' units, scale 1, unconditioned). */
function refSynthetic(t: BPLambdaTrainer, k: number, o: tf.Tensor): tf.Tensor {
  return tf.div(refModule((t.units[k - 1].synthesizer as Synthesizer).net, o), o.shape[0]);
}

/** Evaluation-mode forward with plain ops: BatchNorm with its running statistics. */
function refEval(m: Module, x: tf.Tensor): tf.Tensor {
  if (m instanceof Sequential) return m.modules.reduce((h, mm) => refEval(mm, h), x);
  if (m instanceof BatchNorm)
    return tf.add(tf.mul(tf.div(tf.sub(x, m.runningMean), tf.sqrt(tf.add(m.runningVar, m.eps))), m.gamma), m.beta);
  return refModule(m, x); // Linear and ReLU: the same in both modes
}

const values = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));
const same = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length && a.every((arr, i) => arr.length === b[i].length && arr.every((v, j) => Object.is(v, b[i][j])));

describe('complete unlock (synthetic inputs)', () => {
  afterEach(() => tf.disposeVariables());

  it("unit k's layer trains on ĥ_{k−1} = I_k(x), not on h_{k−1}: its gradients and the z̄ it sends down equal autodiff at ĥ", () => {
    const t = trainer([0, 0, 0]);
    randomiseSynthesizers(t, 1);
    const { x, y } = randomBatch(FCN, B, 1);
    const K = t.units.length;
    const inputs = refInputs(t, x);
    const outs = refOutputs(t, inputs);
    const dlogits = tf.grad((l: tf.Tensor) => refLoss(l, y))(outs[K - 1]);
    // ḡ_k: the synthetic gradient at o_k (λ = 0), ∂L/∂o_K at the top.
    const gbar = (k: number) => (k === K ? dlogits : refSynthetic(t, k, outs[k - 1]));
    const gradsAt = (k: number, input: tf.Tensor) => {
      const vars = t.units[k - 1].layer.params();
      const g = gbar(k);
      const f = () =>
        k === K
          ? refLoss(refModule(t.units[k - 1].layer, input), y)
          : (tf.sum(tf.mul(refModule(t.units[k - 1].layer, input), g)) as tf.Scalar);
      const r = tf.variableGrads(f, vars);
      return vars.map((v) => r.grads[v.name]);
    };
    const want = [1, 2, 3, 4].map((k) => gradsAt(k, inputs[k - 1]));
    // The same layers run on the chained h_{k−1}: what the test tells ĥ apart from.
    const hs = refChained(t, x);
    const chained = [2, 3, 4].map((k) => gradsAt(k, hs[k - 2]));
    // z̄_k = ḡ_{k+1}·∂o_{k+1}/∂ĥ_k: the unit above differentiates at its own input ĥ_k.
    const zbar = [1, 2, 3].map((k) => vjp((h) => refModule(t.units[k].layer, h), inputs[k], gbar(k + 1)));
    const cap = t.stepCapture({ x, y });
    for (let k = 1; k <= K; k++) {
      want[k - 1].forEach((g, i) => assertClose(cap.units[k - 1].layerGrads[i], g, 1e-4, `layer ${k} gradient ${i}`));
      if (k > 1) {
        assertClose(cap.units[k - 1].syntheticInput!, inputs[k - 1], 1e-5, `ĥ_${k - 1}`);
        // Training on h instead would give clearly different gradients.
        assert.ok(
          maxAbsDiff(want[k - 1][0], chained[k - 2][0]) > 0.05 * maxAbs(want[k - 1][0]),
          `layer ${k}: gradients at ĥ and at h are too close to tell apart`,
        );
      }
      if (k < K) assertClose(cap.units[k - 1].target!, zbar[k - 1], 1e-4, `z̄_${k}, the target of synthesizer ${k}`);
    }
    assert.equal(cap.units[0].syntheticInput, null, 'unit 1 reads x');
    disposeCapture(cap);
  });

  it("I_k regresses onto unit k − 1's training output o_{k−1} = f_{k−1}(ĥ_{k−2}): target, loss and its first Adam step against autodiff", () => {
    // Linear synthetic inputs, so no gradient is zero but for rounding (a bias before BN would be), and Adam's first step is lr·sign(gradient).
    const lr = 0.01;
    const t = trainer([0, 0, 0], {
      syntheticInputs: { hiddenLayers: 0 },
      optimizer: { lr, beta1: 0, beta2: 0.999, eps: 1e-30, decaySteps: [], decayFactor: 0.1 },
    });
    const { x, y } = randomBatch(FCN, B, 2);
    const K = t.units.length;
    const inputs = refInputs(t, x);
    const outs = refOutputs(t, inputs);
    const hs = refChained(t, x);
    const models = t.units.map((u) => u.syntheticInput);
    const refGrads = [2, 3, 4].map((k) => {
      const net = models[k - 1]!.net;
      const r = tf.variableGrads(() => tf.sum(tf.square(tf.sub(refModule(net, x), outs[k - 2]))) as tf.Scalar, net.params());
      return net.params().map((p) => r.grads[p.name]);
    });
    const before = models.map((m) => (m ? m.params().map((p) => tf.clone(p)) : []));
    const cap = t.stepCapture({ x, y });
    for (let k = 2; k <= K; k++) {
      const u = cap.units[k - 1];
      assertClose(u.inputTarget!, outs[k - 2], 1e-5, `target of I_${k}`);
      if (k > 2)
        assert.ok(
          maxAbsDiff(outs[k - 2], hs[k - 2]) > 0.05 * maxAbs(hs[k - 2]),
          `o_${k - 1} and the chained h_${k - 1} are too close to tell apart`,
        );
      const loss = tf.sum(tf.square(tf.sub(inputs[k - 1], outs[k - 2])));
      assertClose(u.inputLoss!, loss, 1e-5, `loss of I_${k}`);
      models[k - 1]!.params().forEach((p, i) => {
        const moved = tf.sub(before[k - 1][i], p);
        assertClose(moved, tf.mul(tf.sign(refGrads[k - 2][i]), lr), 1e-3, `I_${k} parameter ${p.name}`, 1e-6);
      });
    }
    disposeCapture(cap);
  });

  it('evaluation ignores synthetic inputs: evaluate() equals the plain chained forward', () => {
    const t = trainer([0, 0, 0]);
    randomiseSynthesizers(t, 3);
    for (let s = 0; s < 3; s++) {
      const { x, y } = randomBatch(FCN, B, 30 + s);
      t.step({ x, y });
      tf.dispose([x, y]);
    }
    // Large logits, so the loss tells the top layer's inputs apart.
    const W = t.units[3].layer.params()[0];
    W.assign(tf.mul(W, 30));
    const { x, y } = randomBatch(FCN, 16, 33);
    const got = t.evaluate({ x, y });
    const [chained, unlocked] = tf.tidy(() => {
      const loss = (logits: tf.Tensor) => refLoss(logits, y).dataSync()[0] * 16;
      const logits = t.units.reduce((h, u) => refEval(u.layer, h), x);
      const errors = tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), y), 'float32')).dataSync()[0];
      // The top layer on its synthetic input: what evaluate must not compute.
      const top = t.units[3];
      return [{ loss: loss(logits), errors }, loss(refEval(top.layer, refEval(top.syntheticInput!.net, x)))];
    });
    assert.ok(Math.abs(got.loss - chained.loss) <= 1e-5 * Math.abs(chained.loss), `loss ${got.loss} vs chained ${chained.loss}`);
    assert.equal(got.errors, chained.errors);
    assert.ok(
      Math.abs(unlocked - chained.loss) > 1e-2 * Math.abs(chained.loss),
      `the synthetic-input forward (${unlocked}) is too close to the chained one (${chained.loss}) to tell apart`,
    );
    tf.dispose([x, y]);
  });

  it('training lowers the synthetic-input regression loss (4-layer FCN of width 32, 40 steps)', () => {
    const net: NetworkSpec = { kind: 'fcn', input: 64, hidden: [32, 32, 32], classes: 10 };
    const t = new BPLambdaTrainer(
      bpLambdaSpec({
        network: net,
        ...methodSpec('dni', 4),
        synthesizer: { hiddenLayers: 1, width: 32 },
        syntheticInputs: { hiddenLayers: 1, width: 32 },
        optimizer: { lr: 3e-3 },
        seed: 1,
      }),
    );
    const batches = [0, 1, 2, 3].map((s) => randomBatch(net, 32, 50 + s));
    const losses: number[][] = [];
    for (let s = 0; s < 40; s++) losses.push(t.step(batches[s % 4], { stats: true })!.series.inputLoss);
    assert.ok(
      losses.every((l) => l.length === 4 && Number.isNaN(l[0])),
      'one entry per unit, NaN for unit 1',
    );
    const mean = (rows: number[][], i: number) => rows.reduce((a, r) => a + r[i], 0) / rows.length;
    for (let i = 1; i < 4; i++) {
      const [first, last] = [mean(losses.slice(0, 5), i), mean(losses.slice(-5), i)];
      assert.ok(
        Number.isFinite(first) && last < 0.7 * first,
        `ĥ_${i}: loss ${first.toFixed(1)} over the first 5 steps, ${last.toFixed(1)} over the last 5`,
      );
    }
    for (const b of batches) tf.dispose([b.x, b.y]);
  });

  it('a complete-unlock step leaks no tensors (with measureSG, p_update and frozen targets too); disposing frees everything', () => {
    const before0 = tf.memory().numTensors;
    const t = trainer([0, 0.5, 0], { synthesizer: { conditioned: true }, updateProbability: 0.7, targetRefresh: 2 });
    const { x, y } = randomBatch(FCN, B, 5);
    t.step({ x, y });
    const before = tf.memory().numTensors;
    for (let s = 0; s < 5; s++) t.step({ x, y }, { stats: s % 2 === 0, measureSG: s % 4 === 0 });
    assert.equal(tf.memory().numTensors, before);
    disposeCapture(t.stepCapture({ x, y }, true));
    assert.equal(tf.memory().numTensors, before);
    t.dispose();
    tf.dispose([x, y]);
    assert.equal(tf.memory().numTensors, before0);
  });

  it('units run forward in any order (the top one first) and regress their inputs whenever o_{k−1} arrives: bit-identical to the trainer', () => {
    const spec = bpLambdaSpec({
      network: FCN,
      lambda: [0, 0, 0],
      synthesizer: { hiddenLayers: 1, width: 6 },
      syntheticInputs: { hiddenLayers: 1, width: 6 },
      optimizer: { lr: 0.01 },
      seed: 4,
    });
    const t = new BPLambdaTrainer(spec);
    const units = unitSpecs(spec).map((s) => new Unit(s));
    const K = units.length;
    for (let step = 0; step < 3; step++) {
      const { x, y } = randomBatch(FCN, B, 60 + step);
      t.step({ x, y });
      tf.tidy(() => {
        const data: ActivationMessage = { kind: 'activation', step, from: 0, h: x, labels: null };
        // Forward unlocked: no unit waits for the one below.
        const up: ActivationMessage[] = [];
        for (let k = K; k >= 1; k--) up[k] = units[k - 1].forward(data);
        // Update unlocked: each layer steps, and each synthesizer regresses when z̄ arrives.
        let incoming: GradientMessage | null = { kind: 'gradient', step, to: K, grad: classification.loss(up[K].h, y).dOutputs };
        for (let k = K; k >= 1; k--) {
          const down = units[k - 1].layerStep(incoming);
          if (units[k - 1].synthesizer) units[k - 1].synthesizerStep(incoming!);
          incoming = down;
        }
        // The real outputs arrive last.
        for (let k = 2; k <= K; k++) units[k - 1].inputStep(up[k - 1]);
      });
      tf.dispose([x, y]);
    }
    assert.ok(same(values(units.flatMap((u) => u.params())), values(t.params())), 'parameters differ after 3 steps');
    const fresh = new BPLambdaTrainer(spec);
    assert.ok(!same(values(fresh.params()), values(t.params())), 'nothing trained');
    for (const u of [...units]) u.dispose();
  });

  it('a unit with a synthetic input refuses a training forward from the unit below, and an input target from elsewhere', () => {
    const units = unitSpecs(bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], syntheticInputs: {}, synthesizer: { hiddenLayers: 0 } })).map(
      (s) => new Unit(s),
    );
    const { x, y } = randomBatch(FCN, B, 6);
    tf.tidy(() => {
      const data: ActivationMessage = { kind: 'activation', step: 0, from: 0, h: x, labels: null };
      const o1 = units[0].forward(data);
      assert.throws(() => units[1].forward(o1), /unit 2 has a synthetic input.*from unit 1/);
      units[2].forward(data);
      assert.throws(() => units[2].inputStep(o1), /output of unit 2, got one from unit 1/);
    });
    tf.dispose([x, y]);
  });

  it('with p_update, a unit that skips a step leaves its synthetic input alone (NaN loss); the others update it', () => {
    const spec = bpLambdaSpec({
      network: FCN,
      lambda: [0, 0, 0],
      syntheticInputs: { hiddenLayers: 1, width: 7 },
      synthesizer: { hiddenLayers: 0 },
      updateProbability: 0.5,
      optimizer: { lr: 0.01 },
      seed: 8,
    });
    const t = new BPLambdaTrainer(spec);
    const seeds = unitSpecs(spec).map((u) => u.updateSeed);
    const seen = new Set<boolean>();
    for (let step = 0; step < 6; step++) {
      const before = t.units.map((u) => values(u.syntheticInput?.params() ?? []));
      const { x, y } = randomBatch(FCN, B, 70 + step);
      const loss = t.step({ x, y }, { stats: true })!.series.inputLoss;
      tf.dispose([x, y]);
      for (let k = 2; k <= 4; k++) {
        const drawn = updatesAt(seeds[k - 1], step, 0.5);
        seen.add(drawn);
        assert.equal(!same(values(t.units[k - 1].syntheticInput!.params()), before[k - 1]), drawn, `step ${step}, I_${k}`);
        assert.equal(Number.isNaN(loss[k - 1]), !drawn, `step ${step}, loss of I_${k}`);
      }
    }
    assert.equal(seen.size, 2, 'both updating and skipping units were drawn');
  });

  it('with measureSG (and oracle), the true gradient at h_k is backprop through the layers above at their synthetic inputs; measuring changes no update', () => {
    const t = trainer([0, 0, 0]);
    randomiseSynthesizers(t, 9);
    const { x, y } = randomBatch(FCN, B, 9);
    const K = t.units.length;
    const inputs = refInputs(t, x);
    const outs = refOutputs(t, inputs);
    // d_K = ∂L/∂o_K; d_{k} = d_{k+1}·∂o_{k+1}/∂ĥ_k: each layer's Jacobian at the input it ran on.
    const want: tf.Tensor[] = new Array(K);
    want[K - 1] = tf.grad((l: tf.Tensor) => refLoss(l, y))(outs[K - 1]);
    for (let k = K - 1; k >= 1; k--) want[k - 1] = vjp((h) => refModule(t.units[k].layer, h), inputs[k], want[k]);
    const cap = t.stepCapture({ x, y }, true);
    for (let k = 1; k < K; k++) assertClose(cap.trueGrads![k - 1], want[k - 1], 1e-4, `true gradient at h_${k}`);
    disposeCapture(cap);
    tf.dispose([x, y]);
    const run = (measure: boolean) => {
      const r = trainer([0, 0, 0]);
      randomiseSynthesizers(r, 9);
      for (let s = 0; s < 4; s++) {
        const b = randomBatch(FCN, B, 80 + s);
        const stats = r.step(b, { stats: true, measureSG: measure })!;
        if (measure) assert.ok(stats.series.sgCosine.every(Number.isFinite));
        tf.dispose([b.x, b.y]);
      }
      return values(r.params());
    };
    assert.ok(same(run(true), run(false)), 'measuring changed the parameters');
  });

  it('synthetic inputs change no existing initial weight and draw their own (seeds after every other)', () => {
    const plain = new BPLambdaTrainer(
      bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], synthesizer: { hiddenLayers: 1, width: 6 }, seed: 2 }),
    );
    const unlocked = new BPLambdaTrainer(
      bpLambdaSpec({
        network: FCN,
        lambda: [0, 0, 0],
        synthesizer: { hiddenLayers: 1, width: 6 },
        syntheticInputs: { hiddenLayers: 1, width: 6 },
        seed: 2,
      }),
    );
    assert.ok(
      same(values(unlocked.units.flatMap((u) => [...u.layer.params(), ...(u.synthesizer?.params() ?? [])])), values(plain.params())),
    );
    const firsts = unlocked.units.slice(1).map((u) => u.syntheticInput!.params()[0].dataSync()[0]);
    assert.equal(new Set(firsts).size, 3, 'each unit draws its own synthetic-input weights');
    const specs = unitSpecs(unlocked.spec);
    assert.equal(
      new Set([...specs.map((s) => s.inputSeed), ...specs.map((s) => s.updateSeed), ...specs.map((s) => s.synthesizerSeed)]).size,
      12,
    );
    assert.deepEqual(
      specs.map((s) => s.syntheticInput),
      [null, { hiddenLayers: 1, width: 6 }, { hiddenLayers: 1, width: 6 }, { hiddenLayers: 1, width: 6 }],
    );
  });

  // Parameters after 4 steps of DNI / cDNI / BP(0.5) (with p_update 0.7, frozen targets every 2
  // steps, measureSG on odd steps), as [Σv, Σ|v|, Σv·((i mod 7) − 3)] per parameter tensor, recorded
  // on the cpu backend from the code before complete unlock existed (commit 95dad04; the same run's
  // sha256 was 610bfc6d…, 29b1bb34…, 8cf1997f… there and is so now). The cpu backend is plain
  // JavaScript: no BLAS kernel, IEEE-754 arithmetic and V8's own Math functions, so the numbers do
  // not depend on the CPU; the tolerance allows a V8 whose Math functions round an ulp differently.
  // On wasm + OpenBLAS the kernel OpenBLAS picks (Haswell, SkylakeX, …) changes the rounding, and
  // Adam turns those differences in near-zero gradients into whole steps, so no recorded number
  // can be compared there: that path is checked in-process (null against absent) instead.
  const RECORDED: Record<string, number[][]> = JSON.parse(
    readFileSync(path.join(__dirname, 'fixtures', 'unlock-off-cpu-sums.json'), 'utf8'),
  ) as Record<string, number[][]>;
  for (const method of ['dni', 'cdni', 'lambda=0.5']) {
    const m = methodSpec(method, 4);
    const params = (extra: Partial<BPLambdaInput>): Float32Array[] => {
      const t = new BPLambdaTrainer(
        bpLambdaSpec({
          network: FCN,
          ...m,
          synthesizer: { hiddenLayers: 1, width: 6, ...m.synthesizer },
          optimizer: { lr: 0.01 },
          seed: 3,
          updateProbability: 0.7,
          targetRefresh: 2,
          ...extra,
        }),
      );
      for (let s = 0; s < 4; s++) {
        const { x, y } = randomBatch(FCN, 8, 20 + s);
        t.step({ x, y }, { stats: true, measureSG: s % 2 === 1 });
        tf.dispose([x, y]);
      }
      const out = t.params().map((p) => p.dataSync() as Float32Array);
      t.dispose();
      return out;
    };
    const bitsEqual = (a: Float32Array[], b: Float32Array[]) =>
      a.length === b.length &&
      a.every(
        (v, i) =>
          Buffer.compare(Buffer.from(v.buffer, v.byteOffset, v.byteLength), Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)) ===
          0,
      );

    it(`syntheticInputs null and absent are the same run to the bit, and complete unlock is another (${method}, this backend)`, () => {
      const off = params({ syntheticInputs: null });
      assert.ok(bitsEqual(off, params({})), 'syntheticInputs null and absent differ');
      assert.ok(!bitsEqual(off, params({ syntheticInputs: { width: 6 } })), 'complete unlock did not change the run');
    });

    it(`syntheticInputs null is the code before complete unlock: parameters after 4 steps match the recorded ones on the cpu backend (${method})`, async () => {
      const before = tf.getBackend();
      await tf.setBackend('cpu');
      let got: Float32Array[];
      try {
        got = params({ syntheticInputs: null });
      } finally {
        await tf.setBackend(before);
      }
      const want = RECORDED[method];
      assert.equal(got.length, want.length);
      got.forEach((v, i) => {
        let [sum, abs, weighted] = [0, 0, 0];
        for (let j = 0; j < v.length; j++) [sum, abs, weighted] = [sum + v[j], abs + Math.abs(v[j]), weighted + v[j] * ((j % 7) - 3)];
        // Recorded to 8 significant digits; 1e-6 of the tensor's Σ|v| is far below what a changed formula moves.
        const tol = 1e-6 * Math.max(abs, 1e-3);
        [sum, abs, weighted].forEach((x, k) =>
          assert.ok(Math.abs(x - want[i][k]) <= tol, `${method}: parameter ${i}, statistic ${k}: ${x} now, ${want[i][k]} recorded`),
        );
      });
    });
  }

  it('config errors name the field: a CNN, hiddenLayers, width, unknown keys; {} is the paper shape', () => {
    const bad = (syntheticInputs: unknown, net: NetworkSpec, field: string, message: RegExp) =>
      assert.throws(
        () =>
          runSpec({
            trainer: { network: net, lambda: net === CNN ? [0, 0] : [0, 0, 0], syntheticInputs: syntheticInputs as never },
            steps: 1,
          }),
        (e: unknown) => e instanceof ConfigError && e.field === field && message.test(e.message),
      );
    bad({}, CNN, 'trainer.syntheticInputs', /MNIST FCNs only/);
    bad({ hiddenLayers: 3 }, FCN, 'trainer.syntheticInputs.hiddenLayers', /0 \(linear\), 1 \(the paper\) or 2, got 3/);
    bad({ hiddenLayers: 1.5 }, FCN, 'trainer.syntheticInputs.hiddenLayers', /got 1.5/);
    bad({ width: 0 }, FCN, 'trainer.syntheticInputs.width', /positive integer/);
    bad({ depth: 1 }, FCN, 'trainer.syntheticInputs.depth', /unknown field/);
    bad(true, FCN, 'trainer.syntheticInputs', /expected an object/);
    assert.deepEqual(bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], syntheticInputs: {} }).syntheticInputs, SYNTHETIC_INPUT_DEFAULTS);
    assert.deepEqual(bpLambdaSpec({ network: FCN, lambda: [0, 0, 0] }).syntheticInputs, null);
    assert.deepEqual(bpLambdaSpec({ network: CNN, lambda: [0, 0], syntheticInputs: null }).syntheticInputs, null);
  });
});
