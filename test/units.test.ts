/**
 * Units that talk in messages: a DNI network driven unit by unit through serialized messages (as
 * workers would exchange them) ends bit-identical to the in-process trainer; units built alone
 * from their plain-data specs get the same initial weights; the run seed is split per unit.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { layerDraws, buildLayer, mnistCnn } from '../lib/networks/build';
import { depth, type NetworkSpec } from '../lib/networks/spec';
import { methodSpec } from '../lib/experiments/methods';
import { Rng } from '../lib/core/rng';
import { classification } from '../lib/tasks/classification';
import { BPLambdaTrainer, unitSpecs } from '../lib/trainers/bp-lambda';
import { deserialize, type GradientMessage, type Message, serialize, type SerializedMessage } from '../lib/trainers/messages';
import { bpLambdaSpec, type BPLambdaSpec } from '../lib/trainers/spec';
import { Unit, type UnitSpec } from '../lib/trainers/unit';
import { randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 20, hidden: [16, 12, 10], classes: 5 };
const CNN: NetworkSpec = { kind: 'cnn', input: [8, 8, 2], filters: [3, 4], pools: ['max', 'avg'], kernel: 3, classes: 4 };

const batch = randomBatch;

/** A message as a worker receives it: typed arrays, copied (structuredClone is what postMessage does). */
function wire(m: Message): Message {
  const s: SerializedMessage = structuredClone(serialize(m));
  assert.ok(s.kind === 'activation' ? s.h.data instanceof Float32Array : s.grad.data instanceof Float32Array);
  return deserialize(s);
}

/**
 * Every-layer DNI as separate units: each unit forwards, at once updates its layer from its own
 * synthetic gradient and sends z̄_{k−1} down; the unit below regresses its synthesizer onto it
 * when it arrives. The loss sits after the top unit. Nothing but messages passes between them.
 */
function pipelineStep(units: Unit[], x: tf.Tensor, y: tf.Tensor1D, step: number, conditioned: boolean): void {
  const K = units.length;
  tf.tidy(() => {
    let msg: Message = { kind: 'activation', step, from: 0, h: x, labels: conditioned ? y : null };
    for (let k = 1; k <= K; k++) {
      const u = units[k - 1];
      const up = u.forward(wire(msg) as Extract<Message, { kind: 'activation' }>);
      if (k < K) {
        // λ = 0: the layer step needs nothing from above (update unlocked).
        const down = u.layerStep(null);
        if (down && k > 1) units[k - 2].synthesizerStep(wire(down) as GradientMessage);
      }
      msg = up;
    }
    const logits = (wire(msg) as Extract<Message, { kind: 'activation' }>).h;
    const { dOutputs } = classification.loss(logits, y);
    const down = units[K - 1].layerStep(wire({ kind: 'gradient', step, to: K, grad: dOutputs }) as GradientMessage);
    if (down) units[K - 2].synthesizerStep(wire(down) as GradientMessage);
  });
}

function values(vars: tf.Variable[]): Float32Array[] {
  return vars.map((v) => v.dataSync() as Float32Array);
}

describe('units and messages', () => {
  afterEach(() => tf.disposeVariables());

  for (const [name, net, method] of [
    ['FCN, DNI', FCN, 'dni'],
    ['FCN, cDNI (labels travel with the activations)', FCN, 'cdni'],
    ['CNN, DNI', CNN, 'dni'],
  ] as const) {
    it(`a ${name} network driven through serialized messages is bit-identical to the in-process trainer`, () => {
      const m = methodSpec(method, depth(net));
      const spec = bpLambdaSpec({
        network: net,
        ...m,
        synthesizer: { hiddenLayers: 1, width: 6, kernel: 3, ...m.synthesizer },
        optimizer: { lr: 1e-2 },
        seed: 4,
      });
      const trainer = new BPLambdaTrainer(spec);
      // Built from plain data alone, in reverse order: construction does not depend on any process-wide order.
      const specs: UnitSpec[] = structuredClone(unitSpecs(spec));
      const units = specs
        .reverse()
        .map((s) => new Unit(s))
        .reverse();
      assert.deepEqual(values(units.flatMap((u) => u.params())), values(trainer.params()), 'same initial parameters');
      for (let step = 0; step < 4; step++) {
        const { x, y } = batch(net, 6, 10 + step);
        trainer.step({ x, y });
        pipelineStep(units, x, y, step, method === 'cdni');
        tf.dispose([x, y]);
      }
      const [a, b] = [values(units.flatMap((u) => u.params())), values(trainer.params())];
      a.forEach((arr, i) =>
        assert.ok(
          arr.every((v, j) => Object.is(v, b[i][j])),
          `parameter ${i} differs after 4 steps`,
        ),
      );
      // And they did train: the parameters moved.
      const fresh = new BPLambdaTrainer(spec);
      assert.ok(values(fresh.params()).some((arr, i) => arr.some((v, j) => v !== b[i][j])));
      fresh.dispose();
      trainer.dispose();
      for (const u of units) u.dispose();
    });
  }

  it('a unit with λ > 0 refuses a layer step without the gradient from above; λ = 0 takes one', () => {
    const spec = bpLambdaSpec({ network: FCN, lambda: [0.5, 0, 1], synthesizer: { hiddenLayers: 0 }, seed: 1 });
    const units = unitSpecs(spec).map((s) => new Unit(s));
    const { x, y } = batch(FCN, 4, 1);
    tf.tidy(() => {
      const msg = units[0].forward({ kind: 'activation', step: 0, from: 0, h: x, labels: null });
      assert.throws(() => units[0].layerStep(null), /λ = 0.5 needs the gradient from above/);
      units[1].forward(msg);
      assert.ok(units[1].layerStep(null), 'λ = 0 sends z̄ down before anything arrives from above');
    });
    tf.dispose([x, y]);
    for (const u of units) u.dispose();
  });

  it('a step of units leaks no tensors outside its scope', () => {
    const spec = bpLambdaSpec({
      network: FCN,
      ...methodSpec('cdni', 4),
      synthesizer: { hiddenLayers: 1, width: 5, conditioned: true },
      seed: 2,
    });
    const units = unitSpecs(spec).map((s) => new Unit(s));
    const { x, y } = batch(FCN, 4, 2);
    pipelineStep(units, x, y, 0, true); // Adam slots exist from here on
    const before = tf.memory().numTensors;
    pipelineStep(units, x, y, 1, true);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
    for (const u of units) u.dispose();
  });

  it('Rng.at(seed, n) continues exactly where n draws of Rng(seed) leave off', () => {
    for (const n of [0, 1, 7, 1000]) {
      const a = new Rng(123);
      for (let i = 0; i < n; i++) a.uniform();
      const b = Rng.at(123, n);
      for (let i = 0; i < 5; i++) assert.equal(b.uniform(), a.uniform());
    }
  });

  it('layerDraws counts the draws each layer makes (FCN and CNN), so unit seeds need no other unit', () => {
    for (const net of [FCN, CNN, mnistCnn(4, 5)] as NetworkSpec[]) {
      for (let k = 1; k <= depth(net); k++) {
        const rng = new Rng(1);
        const layer = buildLayer(net, k, rng);
        assert.equal(rng.draws, layerDraws(net, k), `${net.kind} layer ${k}`);
        for (const p of layer.params()) p.dispose();
        for (const b of layer.buffers()) b.dispose();
      }
    }
  });

  it('unit seeds: one stream for the layers (as one network would draw it), distinct synthesizer seeds', () => {
    const spec: BPLambdaSpec = bpLambdaSpec({ network: FCN, lambda: [0, 0, 0], seed: 9 });
    const specs = unitSpecs(spec);
    const offsets = specs.map((s) => s.layerOffset);
    assert.deepEqual(offsets, [0, 21 * 16, 21 * 16 + 17 * 12, 21 * 16 + 17 * 12 + 13 * 10]);
    assert.equal(new Set(specs.map((s) => s.synthesizerSeed)).size, specs.length);
    const other = unitSpecs({ ...spec, seed: 10 });
    assert.notDeepEqual(
      other.map((s) => s.synthesizerSeed),
      specs.map((s) => s.synthesizerSeed),
    );
  });
});
