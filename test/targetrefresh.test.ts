/**
 * Frozen target copies (targetRefresh): the targets sent down to the synthesizers below are made
 * with copies of the synthesizers above, refreshed every N steps, while the layers update with
 * the live ones. Checked against a separate computation from the weights at the last refresh
 * (tfjs reference forwards and vector–Jacobian products), and for N = 1 against the plain run.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { Lambda } from '../lib/trainers/mixture';
import type { NetworkSpec } from '../lib/networks/spec';
import { methodSpec } from '../lib/experiments/methods';
import { refLoss, refModule, vjp } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { Synthesizer } from '../lib/synthesizers/synthesizer';
import { BPLambdaTrainer, disposeCapture, unitSpecs } from '../lib/trainers/bp-lambda';
import { deserialize, serialize } from '../lib/trainers/messages';
import { bpLambdaSpec, type BPLambdaInput } from '../lib/trainers/spec';
import { assertClose, maxAbsDiff, randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9, 8], classes: 5 };
const B = 8;

function trainer(lambda: Lambda[], extra: Partial<BPLambdaInput> = {}): BPLambdaTrainer {
  return new BPLambdaTrainer(
    bpLambdaSpec({
      network: FCN,
      lambda,
      seed: 5,
      optimizer: { lr: 0.05 },
      ...extra,
      synthesizer: { hiddenLayers: 1, width: 6, conditioned: true, scale: 0.8, ...extra.synthesizer },
    }),
  );
}

function randomiseSynthesizers(t: BPLambdaTrainer, seed: number): void {
  const rng = new Rng(seed);
  for (const u of t.units) for (const p of u.synthesizer?.params() ?? []) p.assign(tf.tensor(rng.normals(p.size, 0.1), p.shape));
}

function step(t: BPLambdaTrainer, seed: number): void {
  const { x, y } = randomBatch(FCN, B, seed);
  t.step({ x, y });
  tf.dispose([x, y]);
}

const values = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));

describe('frozen target copies (targetRefresh)', () => {
  afterEach(() => tf.disposeVariables());

  for (const method of ['dni', 'cdni', 'lambda=0.5', 'dni@2'] as const) {
    it(`refreshing every step is the plain run: bit-identical parameters after 5 steps (${method})`, () => {
      const m = methodSpec(method, 4);
      const run = (targetRefresh: number) => {
        const t = trainer(m.lambda, { targetRefresh, synthesizer: m.synthesizer });
        randomiseSynthesizers(t, 1);
        for (let s = 0; s < 5; s++) step(t, 60 + s);
        return values(t.params());
      };
      const [off, every] = [run(0), run(1)];
      every.forEach((arr, i) =>
        assert.ok(
          arr.every((v, j) => Object.is(v, off[i][j])),
          `parameter ${i} differs`,
        ),
      );
      // Refreshing less often changes the run, so the comparison could fail; except with a single
      // DNI, whose only copy makes a target that no synthesizer below uses.
      const rarely = run(3);
      const same = rarely.every((arr, i) => arr.every((v, j) => Object.is(v, off[i][j])));
      assert.equal(same, method === 'dni@2');
    });
  }

  for (const lambda of [
    [0, 0, 0],
    [0, 1, 0],
  ] as Lambda[][]) {
    it(`with refresh every 3 steps, each target equals the one made from the weights of the last refresh; layers use the live synthesizers (λ = [${lambda}])`, () => {
      const t = trainer(lambda, { targetRefresh: 3 });
      randomiseSynthesizers(t, 2);
      const K = t.units.length;
      for (let s = 0; s < 3; s++) step(t, 70 + s);
      // Step 3 refreshes the copies from the weights as they are now.
      const atRefresh = t.units.map((u) => (u.synthesizer ? u.synthesizer.params().map((p) => tf.clone(p)) : null));
      step(t, 73);
      step(t, 74);
      // Step 5: recompute the targets separately. A stand-alone synthesizer holds the refresh-time weights.
      const { x, y } = randomBatch(FCN, B, 75);
      const hs = [x];
      for (const u of t.units) hs.push(refModule(u.layer, hs[hs.length - 1]));
      const onehot = tf.oneHot(y, FCN.classes).toFloat();
      const synthetic = (k: number, weights: 'live' | 'frozen') => {
        const live = t.units[k - 1].synthesizer as Synthesizer;
        const s = weights === 'live' ? live : new Synthesizer(live.hShape, live.spec, FCN.classes, new Rng(0), `reference${k}`);
        if (weights === 'frozen') s.params().forEach((p, i) => p.assign(atRefresh[k - 1]![i]));
        return tf.mul(refModule(s.net, tf.concat([hs[k], onehot], 1)), 0.8 / B);
      };
      // Top down: ḡ_K = ∂L/∂h_K; ḡ_n = λ_n·z_n + (1 − λ_n)·g_n; z_k = ḡ_{k+1}·∂h_{k+1}/∂h_k.
      const targets = (weights: 'live' | 'frozen') => {
        const z: tf.Tensor[] = new Array(K);
        let gbar = tf.grad((l: tf.Tensor) => refLoss(l, y))(hs[K]);
        for (let k = K - 1; k >= 1; k--) {
          z[k] = vjp((h) => refModule(t.units[k].layer, h), hs[k], gbar);
          gbar = lambda[k - 1] === 1 ? z[k] : synthetic(k, weights);
        }
        return z;
      };
      const [frozen, live] = [targets('frozen'), targets('live')];
      const liveSynthetic = [0, 1, 2].map((i) => (t.units[i].synthesizer ? synthetic(i + 1, 'live') : null));
      const cap = t.stepCapture({ x, y });
      for (let k = 1; k < K; k++) {
        if (lambda[k - 1] === 1) continue; // no synthesizer at this connection
        assertClose(cap.units[k - 1].target!, frozen[k], 1e-4, `target of synthesizer ${k}`);
        // The top synthesizer's target comes from the loss and is the same either way; the others differ.
        if (k < K - 1)
          assert.ok(
            maxAbsDiff(frozen[k], live[k]) > 0.05 * maxAbsDiff(frozen[k], tf.zerosLike(frozen[k])),
            `synthesizer ${k}: frozen and live targets are too close to tell apart`,
          );
        // The layer itself still updates with the live synthetic gradient.
        assertClose(cap.units[k - 1].gbar!, liveSynthetic[k - 1]!, 1e-4, `ḡ_${k} is the live synthetic gradient`);
      }
      disposeCapture(cap);
    });
  }

  it('the target travels in the message beside z̄ and survives serialization', () => {
    const spec = bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], targetRefresh: 2, synthesizer: { hiddenLayers: 0 }, seed: 1 });
    const t = new BPLambdaTrainer(spec);
    randomiseSynthesizers(t, 3);
    assert.deepEqual(
      unitSpecs(spec).map((u) => u.targetRefresh),
      [2, 2, 2, 2],
    );
    // Unit 1 sends nothing down, so it keeps no copy.
    assert.deepEqual(
      t.units.map((u) => u.frozen !== null),
      [false, true, true, false],
    );
    tf.tidy(() => {
      const { x, y } = randomBatch(FCN, B, 4);
      let msg = { kind: 'activation' as const, step: 0, from: 0, h: x, labels: null };
      for (const u of t.units.slice(0, 2)) msg = u.forward(msg) as typeof msg;
      const down = t.units[1].layerStep(null)!;
      assert.ok(down.target, 'a target beside z̄');
      const back = deserialize(structuredClone(serialize(down)));
      assert.ok(back.kind === 'gradient' && back.target);
      assertClose(back.target!, down.target!, 0, 'target after the wire');
      for (const u of t.units) u.release();
      tf.dispose([y]);
    });
  });

  it('a step with frozen copies leaks no tensors, refresh steps included; disposing frees the copies', () => {
    const before0 = tf.memory().numTensors;
    const t = trainer([0, 0.5, 0], { targetRefresh: 2 });
    const { x, y } = randomBatch(FCN, B, 5);
    t.step({ x, y });
    const before = tf.memory().numTensors;
    for (let s = 0; s < 4; s++) t.step({ x, y }, { stats: true, measureSG: s % 2 === 0 });
    assert.equal(tf.memory().numTensors, before);
    t.dispose();
    tf.dispose([x, y]);
    assert.equal(tf.memory().numTensors, before0);
  });
});
