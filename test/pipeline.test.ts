/**
 * BP(λ) as a pipeline of stages (lib/trainers/pipeline.ts), the schedule decoupled workers run:
 * with no cut it is the in-process trainer exactly; with a cut the layers move at once and only
 * the synthesizer at the cut waits `delay` steps for its target, which, once applied, is the
 * in-process trainer's; stages keep no more than the steps in flight; bad cuts are named.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { methodSpec } from '../lib/experiments/methods';
import type { NetworkSpec } from '../lib/networks/spec';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { PipelineTrainer } from '../lib/trainers/pipeline';
import { balancedCuts, bestSplit, unitFlops } from '../lib/trainers/stage-split';
import { type BPLambdaSpec, bpLambdaSpec } from '../lib/trainers/spec';
import { randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 20, hidden: [16, 12, 10], classes: 5 };
const spec = (method: 'dni' | 'cdni', extra: Partial<BPLambdaSpec> = {}): BPLambdaSpec => {
  const m = methodSpec(method, 4);
  return bpLambdaSpec({ network: FCN, ...m, synthesizer: { ...m.synthesizer, hiddenLayers: 1, width: 8 }, seed: 3, ...extra });
};

/** The largest difference between the two trainers' variables, in order. */
function paramDiff(a: tf.Variable[], b: tf.Variable[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((v, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(v, b[i]))).dataSync()[0])));
}

function train(t: { step: (b: { x: tf.Tensor; y: tf.Tensor1D }) => unknown }, steps: number): void {
  for (let s = 0; s < steps; s++) {
    const b = randomBatch(FCN, 6, 100 + s);
    t.step(b);
    tf.dispose([b.x, b.y]);
  }
}

describe('pipeline (stages of units, the schedule of parallel workers)', () => {
  for (const method of ['dni', 'cdni'] as const) {
    it(`${method}: with no cut, it is the in-process trainer exactly`, () => {
      const a = new BPLambdaTrainer(spec(method));
      const b = new PipelineTrainer(spec(method), []);
      train(a, 5);
      train(b, 5);
      assert.equal(paramDiff(a.params(), b.params()), 0);
      a.dispose();
      b.dispose();
    });
  }

  it('with cuts, layers move at once and the synthesizer at a cut waits for its target; flushed, one step is the in-process step', () => {
    const a = new BPLambdaTrainer(spec('cdni'));
    const b = new PipelineTrainer(spec('cdni'), [2, 3], 2);
    assert.ok(a.units[0].synthesizer!.spec.conditioned, 'cDNI: the labels travel with the activations');
    train(a, 1);
    train(b, 1);
    // Every layer moved as in-process; the synthesizers at the cuts (units 2, 3) have not regressed yet: unit 3's
    // target, the classifier's z̄_3, is not zero at step 0 (unit 2's is: the zero-initialised synthesizer above spoke).
    const layers = (t: { units: { layer: { params(): tf.Variable[] } }[] }) => t.units.flatMap((u) => u.layer.params());
    const units = b.stages.flatMap((g) => g.units);
    assert.equal(paramDiff(layers(a), layers({ units })), 0, 'layers');
    assert.ok(paramDiff(a.units[2].synthesizer!.params(), units[2].synthesizer!.params()) > 0, 'the cut synthesizer waits');
    assert.deepEqual(
      b.stages.map((g) => g.inFlight()),
      [[0], [0], []],
      'step 0 in flight below each cut',
    );
    b.flush();
    assert.equal(paramDiff(a.params(), b.params()), 0, 'flushed: the same targets, the same regression');
    assert.deepEqual(
      b.stages.map((g) => g.inFlight()),
      [[], [], []],
    );
    a.dispose();
    b.dispose();
    // Two steps: the second runs on synthesizers one regression behind, so the runs part, flushed or not.
    const c = new BPLambdaTrainer(spec('cdni'));
    const d = new PipelineTrainer(spec('cdni'), [2, 3], 2);
    train(c, 2);
    train(d, 2);
    d.flush();
    assert.ok(paramDiff(c.params(), d.params()) > 0, 'delayed targets change the run');
    c.dispose();
    d.dispose();
  });

  it('with delay d, a stage below a cut keeps d steps in flight and applies step s − d before step s', () => {
    const t = new PipelineTrainer(spec('dni'), [2], 3);
    train(t, 2);
    assert.deepEqual(t.stages[0].inFlight(), [0, 1]);
    train(t, 3);
    assert.deepEqual(t.stages[0].inFlight(), [2, 3, 4], 'steps 0 and 1 applied before steps 3 and 4');
    t.flush();
    assert.deepEqual(t.stages[0].inFlight(), []);
    t.dispose();
  });

  it('leaks no tensors: steady memory with steps in flight, all freed when flushed and disposed', () => {
    const before = tf.memory().numTensors;
    const t = new PipelineTrainer(spec('cdni'), [1, 3], 2);
    const built = tf.memory().numTensors;
    train(t, 4);
    const steady = tf.memory().numTensors;
    train(t, 4);
    assert.equal(tf.memory().numTensors, steady, 'no growth from step to step');
    t.flush();
    assert.equal(tf.memory().numTensors, built, 'the steps in flight are freed when their targets come');
    t.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('refuses cuts it cannot run, naming the field', () => {
    const cases: [() => unknown, string][] = [
      [() => new PipelineTrainer(spec('dni'), [4]), 'cuts[0]'],
      [() => new PipelineTrainer(spec('dni'), [2, 2]), 'cuts[1]'],
      [() => new PipelineTrainer(spec('dni', { lambda: [0, 1, 0] }), [2]), 'lambda[1]'],
      [() => new PipelineTrainer(spec('dni', { synthesizers: { '2': { kind: 'ema' } } }), [2]), 'synthesizers.2.kind'],
      [() => new PipelineTrainer(spec('dni'), [2], 0), 'delay'],
      [() => new PipelineTrainer(spec('dni', { lambda: [0, 0, 'none'] }), [2]), 'lambda[2]'],
      [() => new PipelineTrainer(spec('dni', { targetRefresh: 5 }), [2]), 'targetRefresh'],
      [() => new PipelineTrainer(spec('dni', { feedback: 'fa' }), [2]), 'feedback'],
    ];
    for (const [f, field] of cases)
      assert.throws(f, (e: unknown) => e instanceof ConfigError && e.field === field, `expected a ConfigError on ${field}`);
  });

  it('splits the units where their matmul FLOPs balance (hand counts), at cuts a pipeline can run', () => {
    // Unit 1: 20·16 (forward, weight gradient: ×4); unit 2: 16·12 ×6; synthesizer k: 6·(h·8 + 8·h).
    const s = spec('dni');
    assert.deepEqual(unitFlops(s, 2), [
      2 * (20 * 16 * 4 + 6 * 2 * 16 * 8),
      2 * (16 * 12 * 6 + 6 * 2 * 12 * 8),
      2 * (12 * 10 * 6 + 6 * 2 * 10 * 8),
      2 * 10 * 5 * 6,
    ]);
    assert.deepEqual(bestSplit([1, 1, 1, 1], 2), [2]);
    assert.deepEqual(bestSplit([5, 1, 1, 1, 1, 1], 2), [1]);
    assert.deepEqual(bestSplit([1, 2, 3, 4], 3), [2, 3]);
    assert.deepEqual(balancedCuts(s, 2, 8), [1]);
    // A connection that is not λ = 0 cannot be cut: its units stay together.
    assert.deepEqual(balancedCuts(spec('dni', { lambda: [1, 0, 0] }), 2, 8), [2]);
    assert.throws(
      () => balancedCuts(spec('dni', { lambda: [1, 1, 1] }), 2, 8),
      (e: unknown) => e instanceof ConfigError && e.field === 'workers',
    );
  });
});
