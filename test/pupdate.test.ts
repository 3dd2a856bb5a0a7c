/**
 * Random update probability p_update (paper, main text): each layer, with its synthesizer,
 * updates at a step only with probability p, drawing independently from its own seeded stream.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { Lambda } from '../lib/trainers/mixture';
import type { NetworkSpec } from '../lib/networks/spec';
import { ConfigError } from '../lib/core/errors';
import { Rng } from '../lib/core/rng';
import { BPLambdaTrainer, unitSpecs } from '../lib/trainers/bp-lambda';
import { updatesAt } from '../lib/trainers/seeds';
import { bpLambdaSpec, type BPLambdaInput } from '../lib/trainers/spec';
import { randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9, 8], classes: 5 };

function trainer(lambda: Lambda[], extra: Partial<BPLambdaInput> = {}): BPLambdaTrainer {
  return new BPLambdaTrainer(
    bpLambdaSpec({ network: FCN, lambda, seed: 7, optimizer: { lr: 0.01 }, synthesizer: { hiddenLayers: 0, conditioned: true }, ...extra }),
  );
}

/** Non-zero synthesizer weights, so every layer gets a non-zero gradient from the first step. */
function randomiseSynthesizers(t: BPLambdaTrainer, seed: number): void {
  const rng = new Rng(seed);
  for (const u of t.units) for (const p of u.synthesizer?.params() ?? []) p.assign(tf.tensor(rng.normals(p.size, 0.05), p.shape));
}

const snapshot = (vs: tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));
const moved = (vs: tf.Variable[], before: Float32Array[]) => vs.some((v, i) => v.dataSync().some((x, j) => x !== before[i][j]));

function steps(t: BPLambdaTrainer, n: number, each?: (step: number) => void): void {
  for (let s = 0; s < n; s++) {
    const { x, y } = randomBatch(FCN, 8, 40 + s);
    t.step({ x, y });
    tf.dispose([x, y]);
    each?.(s);
  }
}

describe('random update probability (p_update)', () => {
  afterEach(() => tf.disposeVariables());

  it('p = 1 is plain training: parameters bit-identical to a spec without the field', () => {
    const run = (extra: Partial<BPLambdaInput>) => {
      const t = trainer([0, 1, 0], extra);
      randomiseSynthesizers(t, 1);
      steps(t, 4);
      return snapshot(t.params());
    };
    const [plain, p1] = [run({}), run({ updateProbability: 1 })];
    p1.forEach((arr, i) =>
      assert.ok(
        arr.every((v, j) => Object.is(v, plain[i][j])),
        `parameter ${i} differs`,
      ),
    );
    // A smaller p does change the run (so the comparison could fail).
    const p9 = run({ updateProbability: 0.9 });
    assert.ok(p9.some((arr, i) => arr.some((v, j) => v !== plain[i][j])));
  });

  it('p = 0: no layer or synthesizer parameter ever changes (BN running statistics still do)', () => {
    const t = trainer([0, 0, 0], { updateProbability: 0 });
    randomiseSynthesizers(t, 2);
    const before = snapshot(t.params());
    const buffers = t.units[0].layer.buffers();
    const bufBefore = snapshot(buffers);
    steps(t, 3);
    assert.ok(!moved(t.params(), before), 'a parameter moved');
    assert.ok(moved(buffers, bufBefore), 'the forward pass still ran in training mode');
    for (const u of t.units) assert.equal(u.layerOptimizer.t, 0);
  });

  it('p = 0.5: at every step, exactly the layers (and synthesizers) whose own draw says so update', () => {
    const t = trainer([0, 0, 0], { updateProbability: 0.5 });
    randomiseSynthesizers(t, 3);
    const seeds = unitSpecs(t.spec).map((s) => s.updateSeed);
    const K = t.units.length;
    const drawn: boolean[][] = [];
    let layers = t.units.map((u) => snapshot(u.layer.params()));
    let synths = t.units.map((u) => snapshot(u.synthesizer?.params() ?? []));
    steps(t, 8, (step) => {
      const want = seeds.map((s) => updatesAt(s, step, 0.5));
      // The documented draw: number `step` of Rng(updateSeed), below p.
      assert.deepEqual(
        want,
        seeds.map((s) => Rng.at(s, step).uniform() < 0.5),
      );
      drawn.push(want);
      t.units.forEach((u, i) => {
        assert.equal(
          moved(u.layer.params(), layers[i]),
          want[i],
          `step ${step}: layer ${i + 1} ${want[i] ? 'should have' : 'should not have'} moved`,
        );
        if (u.synthesizer) assert.equal(moved(u.synthesizer.params(), synths[i]), want[i], `step ${step}: synthesizer ${i + 1}`);
      });
      layers = t.units.map((u) => snapshot(u.layer.params()));
      synths = t.units.map((u) => snapshot(u.synthesizer?.params() ?? []));
    });
    const flat = drawn.flat();
    assert.ok(flat.includes(true) && flat.includes(false), 'both outcomes occurred');
    // Layers draw independently: their update patterns differ.
    const patterns = new Set(Array.from({ length: K }, (_, k) => drawn.map((d) => d[k]).join()));
    assert.ok(patterns.size > 1);
    t.units.forEach((u, i) => assert.equal(u.layerOptimizer.t, drawn.filter((d) => d[i]).length, `Adam steps of layer ${i + 1}`));
  });

  it('the draws are reproducible from the seed and differ between seeds; skipped steps report no synthesizer loss', () => {
    const a = unitSpecs(bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], seed: 7 })).map((s) => s.updateSeed);
    const b = unitSpecs(bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], seed: 8 })).map((s) => s.updateSeed);
    assert.equal(new Set([...a, ...b]).size, 8);
    const t = trainer([0, 0, 0], { updateProbability: 0.5 });
    const { x, y } = randomBatch(FCN, 8, 1);
    const stats = t.step({ x, y }, { stats: true })!;
    a.slice(0, 3).forEach((s, i) => assert.equal(Number.isNaN(stats.series.sgLoss[i]), !updatesAt(s, 0, 0.5), `connection ${i + 1}`));
    tf.dispose([x, y]);
  });

  it('a step with skipped units leaks no tensors; a p outside [0, 1] is a ConfigError', () => {
    const t = trainer([0, 1, 0], { updateProbability: 0.5 });
    const { x, y } = randomBatch(FCN, 8, 2);
    for (let s = 0; s < 2; s++) t.step({ x, y });
    const before = tf.memory().numTensors;
    for (let s = 0; s < 4; s++) t.step({ x, y }, { stats: true, measureSG: true });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
    assert.throws(
      () => bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], updateProbability: 1.5 }),
      (e: unknown) => e instanceof ConfigError && e.field === 'updateProbability',
    );
  });
});
