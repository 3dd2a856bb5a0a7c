/**
 * One BP(λ) core for layers and time: the recurrent unit driven chunk by chunk through serialized
 * messages ends bit-identical to the in-process RecurrentTrainer; units check a message's step
 * and destination and keep several steps in flight; the loss broadcasts its error; mix(λ, z̄, g)
 * and regression targets that are gradients or values.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { depth, type NetworkSpec } from '../lib/networks/spec';
import { methodSpec } from '../lib/experiments/methods';
import { mix } from '../lib/trainers/mixture';
import { Rng } from '../lib/core/rng';
import { regressionLoss } from '../lib/synthesizers/core';
import { EmaSynthesizer } from '../lib/synthesizers/ema';
import { RECURRENT_SYNTHESIZER_DEFAULTS, RecurrentSynthesizer } from '../lib/synthesizers/recurrent';
import { SYNTHESIZER_DEFAULTS } from '../lib/synthesizers/spec';
import { Synthesizer } from '../lib/synthesizers/synthesizer';
import { COPY_OUTPUTS, copyInputs, disposeSequenceBatch } from '../lib/tasks/copy';
import { classification } from '../lib/tasks/classification';
import { bitLoss, type SequenceBatch } from '../lib/tasks/sequence';
import { BPLambdaTrainer, disposeCapture, unitSpecs } from '../lib/trainers/bp-lambda';
import {
  type ActivationMessage,
  deserialize,
  type ErrorMessage,
  type GradientMessage,
  type Message,
  serialize,
  toUnit,
} from '../lib/trainers/messages';
import { RecurrentTrainer } from '../lib/trainers/recurrent';
import { chunkBounds, type RecurrentInput, recurrentSpec, truncationLambdas } from '../lib/trainers/recurrent-spec';
import { RecurrentUnit } from '../lib/trainers/recurrent-unit';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { Unit } from '../lib/trainers/unit';
import { randomBatch, repeatCopyBatch } from './assert';

const B = 3;
const I = copyInputs('repeatCopy');
const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 8], classes: 4 };

/** A message as a worker receives it: plain typed arrays, copied. */
function wire<M extends Message>(m: M): M {
  return deserialize(structuredClone(serialize(m))) as M;
}

function specOf(extra: Partial<RecurrentInput> & Pick<RecurrentInput, 'T' | 'method'>) {
  return recurrentSpec({
    inputs: I,
    outputs: COPY_OUTPUTS,
    hidden: 6,
    seed: 5,
    optimizer: { lr: 0.02 },
    ...extra,
    synthesizer: { width: 5, ...extra.synthesizer },
  });
}

/** Steps [from, to) of B Repeat Copy sequences at N = 3, R = 2 (see repeatCopyBatch). */
const batch = (seed: number, from = 0, to?: number): SequenceBatch => repeatCopyBatch({ N: 3, R: 2 }, B, seed, from, to);

/**
 * The trainer's loop written out with nothing but serialized messages between the data, the
 * unit and the loss: per chunk the data with λ at its end, the loss's error, the unit's layer
 * step, and its synthesizer step on the target it sent to its previous step.
 */
function driveByMessages(unit: RecurrentUnit, b: SequenceBatch, T: number | 'full', first: number): number {
  const [L] = b.x.shape;
  if (b.starts !== false) unit.drop();
  const lambdas = truncationLambdas(L, T, b.ends !== false);
  let step = first;
  for (const [t0, t1] of chunkBounds(L, T)) {
    unit.scope(() => {
      const n = t1 - t0;
      const x = tf.slice(b.x, [t0, 0, 0], [n, B, I]);
      const up = unit.forward(wire<ActivationMessage>({ kind: 'activation', step, from: 0, h: x, labels: null, lambda: lambdas[t1 - 1] }));
      const y = tf.reshape(tf.slice(b.y, [t0, 0, 0], [n, B, 8]), [n * B, 8]) as tf.Tensor2D;
      const mask = tf.reshape(tf.slice(b.mask, [t0, 0], [n, B]), [n * B]) as tf.Tensor1D;
      const l = bitLoss(wire(up).h as tf.Tensor2D, y, mask, B);
      const error = wire<ErrorMessage>({ kind: 'error', step, from: 1, grad: l.dLogits });
      const down = unit.layerStep(wire(toUnit(error, 1)));
      if (down) unit.synthesizerStep(wire(down));
    });
    step++;
  }
  if (b.ends !== false) unit.drop();
  return step;
}

const bits = (vars: tf.Variable[]) => vars.map((v) => v.dataSync() as Float32Array);

describe('one BP(λ) core for layers and time', () => {
  afterEach(() => tf.disposeVariables());

  for (const extra of [
    { method: 'dni', T: 2 },
    { method: 'dniAux', T: 3, sgToCore: true, sgTarget: 'withStepLoss', clipNorm: 0.5 },
    { method: 'dniAux', T: 1 },
    { method: 'bptt', T: 3 },
    { method: 'dni', T: 'full' },
  ] as const) {
    it(`a recurrent unit driven through serialized messages is bit-identical to the in-process trainer (${JSON.stringify(extra)})`, () => {
      const spec = specOf(extra);
      const trainer = new RecurrentTrainer(spec);
      const unit = new RecurrentUnit(structuredClone(spec));
      assert.deepEqual(bits(unit.params()), bits(trainer.params()), 'same initial parameters');
      // Whole sequences, then a stream of batches that carry the state (and a pending pass) on.
      const batches = [batch(1), batch(2), batch(3, 0, 4), batch(3, 4, 7), batch(3, 7)];
      let step = 0;
      for (const b of batches) {
        trainer.step(b);
        step = driveByMessages(unit, b, spec.T, step);
        if (b.ends === false)
          assert.deepEqual(
            bits([unit.state!.h, unit.state!.c] as tf.Variable[]),
            bits([trainer.state!.h, trainer.state!.c] as tf.Variable[]),
            'the carried state',
          );
      }
      assert.equal(step, trainer.updates, 'one unit step per chunk');
      const [a, t] = [bits(unit.params()), bits(trainer.params())];
      a.forEach((arr, i) =>
        assert.ok(
          arr.every((v, j) => Object.is(v, t[i][j])),
          `parameter ${unit.params()[i].name} differs`,
        ),
      );
      const fresh = new RecurrentUnit(spec);
      assert.ok(
        bits(fresh.params()).some((arr, i) => arr.some((v, j) => v !== t[i][j])),
        'and they trained',
      );
      [fresh, unit, trainer].forEach((x) => x.dispose());
      batches.forEach(disposeSequenceBatch);
    });
  }

  it("a recurrent unit's step leaks no tensors: the state and the boundary pass carry, the rest is freed; drop and dispose free everything", () => {
    const start = tf.memory().numTensors;
    for (const extra of [
      { method: 'dniAux', T: 2, sgToCore: true, sgTarget: 'withStepLoss' },
      { method: 'bptt', T: 2 },
    ] as const) {
      const unit = new RecurrentUnit(specOf(extra));
      const [whole, b] = [batch(4), batch(4, 0, 4)];
      driveByMessages(unit, whole, extra.T, 0); // Adam slots exist from here on
      const before = tf.memory().numTensors;
      driveByMessages(unit, b, extra.T, 100);
      const carried = unit.retained().length;
      assert.equal(tf.memory().numTensors, before + carried, `${extra.method}: only the carried tensors remain`);
      assert.deepEqual(unit.inFlight(), extra.method === 'bptt' ? [] : [101], 'the last chunk’s pass waits for its target');
      unit.drop();
      assert.equal(tf.memory().numTensors, before);
      driveByMessages(unit, b, extra.T, 200);
      unit.dispose();
      [whole, b].forEach(disposeSequenceBatch);
    }
    assert.equal(tf.memory().numTensors, start);
  });

  it('the recurrent unit checks its messages: the data with λ, a gradient to itself, a step in flight', () => {
    const unit = new RecurrentUnit(specOf({ method: 'dni', T: 2 }));
    const b = batch(5, 0, 2);
    unit.scope(() => {
      const data: ActivationMessage = { kind: 'activation', step: 0, from: 0, h: b.x, labels: null };
      assert.throws(() => unit.forward(data), /needs λ in \[0, 1\]/);
      assert.throws(() => unit.forward({ ...data, from: 2, lambda: 0 }), /runs on the data/);
      const up = unit.forward({ ...data, lambda: 0 });
      assert.throws(() => unit.forward({ ...data, lambda: 0 }), /step 0 is already in flight/);
      const grad = tf.zerosLike(up.h);
      assert.throws(() => unit.layerStep({ kind: 'gradient', step: 0, to: 2, grad }), /addressed to unit 2/);
      assert.throws(() => unit.layerStep({ kind: 'gradient', step: 7, to: 1, grad }), /step 7, which is not in flight/);
      assert.equal(unit.layerStep({ kind: 'gradient', step: 0, to: 1, grad }), null, 'no pass before the first chunk: no target to send');
      // Step 0's boundary pass waits for its target; once regressed, the step is done.
      assert.deepEqual(unit.inFlight(), [0]);
      const target: GradientMessage = { kind: 'gradient', step: 0, to: 1, grad: tf.zeros([B, 12]) };
      unit.synthesizerStep(target);
      assert.deepEqual(unit.inFlight(), []);
      assert.throws(() => unit.synthesizerStep(target), /not in flight/);
    });
    unit.dispose();
    disposeSequenceBatch(b);
  });

  it('the loss broadcasts ∂L/∂h_K: the trainer produces the error message, the top unit takes it as ḡ_K, and it serializes', () => {
    const spec = bpLambdaSpec({ network: FCN, lambda: [0, 0], synthesizer: { hiddenLayers: 0 }, seed: 2 });
    const t = new BPLambdaTrainer(spec);
    const { x, y } = randomBatch(FCN, 5, 3);
    const cap = t.stepCapture({ x, y });
    assert.equal(cap.error.kind, 'error');
    assert.deepEqual([cap.error.step, cap.error.from], [0, depth(FCN)]);
    assert.equal(cap.error.grad, cap.units[depth(FCN) - 1].gbar, 'the top unit’s ḡ_K is the broadcast error');
    const back = tf.tidy(() => tf.keep(wire(cap.error).grad));
    assert.deepEqual(back.dataSync(), cap.error.grad.dataSync());
    // The same network's forward from the same parameters, and the task's loss: the error is ∂L/∂h_K.
    const twin = new BPLambdaTrainer(spec);
    const want = tf.tidy(() => {
      let m: ActivationMessage = { kind: 'activation', step: 0, from: 0, h: x, labels: null };
      for (const u of twin.units) m = u.forward(m);
      return classification.loss(m.h, y).dOutputs;
    });
    assert.deepEqual(cap.error.grad.dataSync(), want.dataSync());
    tf.dispose([back, want, x, y]);
    twin.dispose();
    disposeCapture(cap);
    t.dispose();
  });

  it('a unit keeps several steps in flight, keyed by step, and checks a message’s step and destination', () => {
    const spec = bpLambdaSpec({ network: FCN, ...methodSpec('dni', 3), synthesizer: { hiddenLayers: 0 }, seed: 6 });
    const units = unitSpecs(spec).map((s) => new Unit(s));
    const b0 = randomBatch(FCN, 4, 7);
    const b1 = randomBatch(FCN, 4, 8);
    tf.tidy(() => {
      const h0 = units[0].forward({ kind: 'activation', step: 0, from: 0, h: b0.x, labels: null });
      const h1 = units[0].forward({ kind: 'activation', step: 1, from: 0, h: b1.x, labels: null });
      assert.deepEqual(units[0].inFlight(), [0, 1]);
      assert.throws(() => units[0].forward({ kind: 'activation', step: 1, from: 0, h: b1.x, labels: null }), /step 1 is already in flight/);
      assert.throws(
        () => units[1].forward({ kind: 'activation', step: 0, from: 0, h: b0.x, labels: null }),
        /runs on h_1, got an activation from unit 0/,
      );
      units[1].forward(h0);
      units[1].forward(h1);
      // λ = 0: each layer step takes the earliest step awaiting one, and says which step its gradient belongs to.
      const d0 = units[1].layerStep(null)!;
      const d1 = units[1].layerStep(null)!;
      assert.deepEqual([d0.step, d0.to, d1.step, d1.to], [0, 1, 1, 1]);
      assert.throws(() => units[1].layerStep(null), /no step awaiting one/);
      assert.throws(() => units[0].synthesizerStep({ ...d0, to: 2 }), /addressed to unit 2/);
      assert.throws(() => units[0].synthesizerStep({ ...d0, step: 5 }), /step 5, which is not in flight.*in flight: \[0,1\]/);
      // Targets may arrive in any order.
      units[0].layerStep(null);
      units[0].synthesizerStep(d1);
      assert.deepEqual(units[0].inFlight(), [0, 1], 'step 1 waits for its layer step');
      units[0].layerStep(null);
      assert.deepEqual(units[0].inFlight(), [0]);
      units[0].synthesizerStep(d0);
      assert.deepEqual(units[0].inFlight(), []);
      assert.throws(() => units[0].synthesizerStep(d0), /not in flight/);
    });
    for (const u of units) u.dispose();
    tf.dispose([b0.x, b0.y, b1.x, b1.y]);
  });

  it('the trainer ends every step in every unit, also where a target never comes (a cut connection above a synthesizer)', () => {
    const t = new BPLambdaTrainer(bpLambdaSpec({ network: FCN, lambda: [0, 'none'], synthesizer: { hiddenLayers: 0 }, seed: 3 }));
    const { x, y } = randomBatch(FCN, 4, 9);
    for (let i = 0; i < 3; i++) t.step({ x, y });
    assert.ok(t.units[0].synthesizer, 'unit 1 has a synthesizer, and unit 2 sends it nothing');
    assert.deepEqual(
      t.units.map((u) => u.inFlight()),
      [[], [], []],
    );
    tf.dispose([x, y]);
    t.dispose();
  });

  it('mix(λ, z̄, g): z̄ itself at λ = 1, g itself at λ = 0, λ·z̄ + (1 − λ)·g between; null is a zero gradient', () => {
    tf.tidy(() => {
      const z = tf.tensor([1, 2]);
      const g = tf.tensor([3, 5]);
      assert.equal(mix(1, z, g), z);
      assert.equal(mix(0, z, g), g);
      assert.deepEqual(Array.from(mix(0.25, z, g)!.dataSync()), [0.25 + 2.25, 0.5 + 3.75]);
      assert.deepEqual(Array.from(mix(0.5, null, g)!.dataSync()), [1.5, 2.5]);
      assert.equal(mix(0, z, null), null);
      assert.equal(mix(1, null, g), null);
      assert.throws(() => mix(1.5, z, g), /λ must be in \[0, 1\]/);
    });
  });

  it('a regression target is a gradient (converted to the synthesizer’s units) or a value (taken as it is); each synthesizer declares its inputs and target kind', () => {
    tf.tidy(() => {
      const spec = { ...SYNTHESIZER_DEFAULTS, targetUnits: 'perExample' as const, lossReduction: 'sum' as const };
      const out = tf.tensor2d([
        [1, 0],
        [0, 1],
      ]);
      const z = tf.tensor2d([
        [0.5, 0],
        [0, 0.5],
      ]);
      // perExample units: a gradient target is ×B (B = 2) before the regression, a value is not.
      assert.equal(regressionLoss(spec, out, { kind: 'gradient', value: z }).loss.dataSync()[0], 0);
      assert.equal(regressionLoss(spec, out, { kind: 'value', value: z }).loss.dataSync()[0], 0.5);
      assert.equal(regressionLoss(spec, out, { kind: 'value', value: z }, 2).loss.dataSync()[0], 1);
      const cdni = new Synthesizer([2], { ...spec, hiddenLayers: 0, conditioned: true }, 3, new Rng(1), 's');
      assert.deepEqual(cdni.contract, { inputs: 'h+labels', target: 'gradient' });
      const f = cdni.forward(out, tf.tensor1d([0, 2], 'int32'), 'train');
      assert.throws(() => cdni.regress(f, { kind: 'value', value: z }), /regresses onto a gradient target, got a value/);
      assert.deepEqual(cdni.regress(f, z).loss.dataSync(), cdni.regress(f, { kind: 'gradient', value: z }).loss.dataSync());
      assert.deepEqual(new EmaSynthesizer([2], { ...spec, kind: 'ema' }, 3, 'e').contract, { inputs: 'none', target: 'gradient' });
      const rs = new RecurrentSynthesizer(2, { ...RECURRENT_SYNTHESIZER_DEFAULTS, hiddenLayers: 0, width: 2 }, true, new Rng(2), 'r');
      assert.deepEqual(rs.contract, { inputs: 'h', target: 'gradient' });
    });
  });
});
