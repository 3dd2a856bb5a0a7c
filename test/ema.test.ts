/**
 * The stale-gradient baseline (paper section C): an 'ema' synthesizer is a moving average of
 * the targets it was given, checked against a sequence worked out by hand and against the
 * targets a trainer actually gives it.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from '../lib/networks/spec';
import { methodSpec } from '../lib/experiments/methods';
import { EmaSynthesizer } from '../lib/synthesizers/ema';
import { mergeSynthesizer } from '../lib/synthesizers/spec';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { disposeCapture } from '../lib/trainers/bp-lambda';
import { assertClose, randomBatch } from './assert';

const FCN: NetworkSpec = { kind: 'fcn', input: 12, hidden: [10, 9, 8], classes: 5 };

const read = (t: tf.Tensor) => Array.from(t.dataSync());

function near(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${what}[${i}]: got ${v}, want ${want[i]} (${got} vs ${want})`));
}

describe('stale gradients (ema synthesizer)', () => {
  afterEach(() => tf.disposeVariables());

  it('follows a hand-computed sequence: avg ← d·avg + (1 − d)·batch mean of B·z̄, consumed as avg·scale/B', () => {
    // decay 0.5, 'perExample' units (targets ×B, B = 2), scale 1, loss Σ(out − B·z̄)².
    const s = new EmaSynthesizer(
      [2],
      mergeSynthesizer({ kind: 'ema', decay: 0.5, targetUnits: 'perExample', lossReduction: 'sum' }),
      3,
      'ema',
    );
    const h = tf.zeros([2, 2]);
    const steps = [
      // z̄ (gradient units)     B·z̄ batch mean   avg after                        consumed before (avg/2)  loss before the update
      {
        z: [
          [1, 2],
          [3, 4],
        ],
        avg: [2, 3],
        consumed: [0, 0],
        loss: 4 + 16 + 36 + 64,
      },
      // out = (2, 3) for both examples; B·z̄ = ((−2, 0), (2, 4)): diff ((4, 3), (0, −1)) → 26
      {
        z: [
          [-1, 0],
          [1, 2],
        ],
        avg: [1, 2.5],
        consumed: [1, 1.5],
        loss: 26,
      },
      {
        z: [
          [0, 0],
          [0, 0],
        ],
        avg: [0.5, 1.25],
        consumed: [0.5, 1.25],
        loss: 2 * (1 + 6.25),
      },
    ];
    for (const [i, st] of steps.entries()) {
      tf.tidy(() => {
        const f = s.forward(h, null, 'train');
        near(
          read(s.syntheticGradient(f.out)),
          [...st.consumed, ...st.consumed],
          `step ${i + 1}: consumed gradient, the same for both examples`,
        );
        const r = s.regress(f, tf.tensor(st.z));
        assert.equal(r.grads.length, 0);
        near(read(r.loss), [st.loss], `step ${i + 1}: reported loss`);
        near(read(s.average), st.avg, `step ${i + 1}: average`);
      });
    }
    assert.equal(s.params().length, 0, 'no trainable parameters');
    tf.dispose(h);
  });

  it('in a trainer it averages exactly the targets z̄_k it is given, and the layer consumes the average from before the step', () => {
    // stale@3: an average at the top connection, so z̄_3 is the loss's gradient through the classifier.
    // (Lower down the batch mean is zero: see the next test.)
    const m = methodSpec('stale@3', 4);
    const t = new BPLambdaTrainer(
      bpLambdaSpec({
        network: { ...FCN, hidden: [10, 9, 10] },
        ...m,
        synthesizer: { ...m.synthesizer, decay: 0.7, scale: 0.5 },
        optimizer: { lr: 0.01 },
        seed: 2,
      }),
    );
    const ema = t.units[2].synthesizer as EmaSynthesizer;
    assert.ok(ema instanceof EmaSynthesizer);
    let avg = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const B = 6;
    for (let step = 0; step < 4; step++) {
      const { x, y } = randomBatch(FCN, B, 30 + step);
      const cap = t.stepCapture({ x, y });
      const consumed = read(cap.units[2].synthetic!);
      for (let b = 0; b < B; b++)
        near(
          consumed.slice(10 * b, 10 * b + 10),
          avg.map((a) => (a * 0.5) / B),
          `step ${step}: example ${b} consumes the old average`,
        );
      const z = read(cap.units[2].target!);
      const mean = avg.map((_, j) => Array.from({ length: B }, (_, b) => z[10 * b + j]).reduce((p, c) => p + c, 0) / B);
      avg = avg.map((a, j) => 0.7 * a + 0.3 * B * mean[j]);
      near(
        read(ema.average).map((v) => Math.round(v * 1e5) / 1e5),
        avg.map((v) => Math.round(v * 1e5) / 1e5),
        `step ${step}: average`,
      );
      disposeCapture(cap);
      tf.dispose([x, y]);
    }
    assert.ok(
      avg.some((v) => Math.abs(v) > 1e-3),
      'the targets were not all zero',
    );
  });

  it('every-layer stale gradients: a step leaks no tensors; below a Linear → BN layer the batch-mean target is zero', () => {
    const m = methodSpec('stale', 4);
    const t = new BPLambdaTrainer(bpLambdaSpec({ network: FCN, ...m, optimizer: { lr: 0.01 }, seed: 1 }));
    const { x, y } = randomBatch(FCN, 8, 1);
    t.step({ x, y }); // Adam slots exist from here on
    const before = tf.memory().numTensors;
    const w0 = read(t.units[2].layer.params()[0]);
    t.step({ x, y });
    t.step({ x, y }, { stats: true, measureSG: true });
    assert.equal(tf.memory().numTensors, before);
    // The top average (into the classifier) is non-zero after the first step, so layer 3 moves.
    assert.ok(read(t.units[2].layer.params()[0]).some((v, i) => v !== w0[i]));
    // Training-mode BN subtracts the batch mean from its input gradient, and the Linear before it
    // keeps that: the batch mean of ∂L/∂h_k is zero below every hidden layer, so those averages
    // are zero but for rounding (the paper's stale baseline was only marginally better than none).
    const top = Math.max(...read(t.units[2].synthesizer!.buffers()[0]).map(Math.abs));
    for (const k of [1, 2]) {
      const low = Math.max(...read(t.units[k - 1].synthesizer!.buffers()[0]).map(Math.abs));
      assert.ok(low < 1e-5 * top, `connection ${k}: average ${low} vs top ${top}`);
    }
    tf.dispose([x, y]);
    t.dispose();
  });

  it('per class (cstale): each example consumes its class’s average; a class averages its own examples’ targets, an absent class keeps its average (hand-computed)', () => {
    // decay 0.5, 'perExample' units (B = 3), scale 1; classes 0, 2, 0 (class 1 absent).
    const s = new EmaSynthesizer(
      [2],
      mergeSynthesizer({ kind: 'ema', conditioned: true, decay: 0.5, targetUnits: 'perExample' }),
      3,
      'ema',
    );
    assert.deepEqual(s.contract, { inputs: 'labels', target: 'gradient' });
    assert.deepEqual(s.average.shape, [3, 2]);
    s.average.assign(tf.tensor([0, 0, 7, 7, 0, 0], [3, 2]));
    const labels = tf.tensor1d([0, 2, 0], 'int32');
    const h = tf.zeros([3, 2]);
    tf.tidy(() => {
      const f = s.forward(h, labels, 'train');
      near(read(f.out), [0, 0, 0, 0, 0, 0], 'before the step: classes 0 and 2 average zero');
      // B·z̄: class 0 gets (3, 6) and (6, 3) → mean (4.5, 4.5); class 2 gets (−3, 0).
      s.regress(f, tf.tensor([1, 2, -1, 0, 2, 1], [3, 2]));
      near(read(s.average), [2.25, 2.25, 7, 7, -1.5, 0], 'per-class averages; class 1 untouched');
      near(read(s.syntheticGradient(s.forward(h, labels, 'train').out)), [0.75, 0.75, -0.5, 0, 0.75, 0.75], 'consumed ÷B');
    });
    assert.throws(() => s.forward(h, null, 'train'), /needs the labels/);
    tf.dispose([labels, h]);
  });

  it('per class below a Linear → BN layer the averages are not zero, unlike the batch mean', () => {
    const m = methodSpec('cstale', 4);
    assert.deepEqual(m.synthesizer, { conditioned: true, kind: 'ema' });
    const t = new BPLambdaTrainer(bpLambdaSpec({ network: FCN, ...m, optimizer: { lr: 0.01 }, seed: 1 }));
    for (let i = 0; i < 3; i++) {
      const { x, y } = randomBatch(FCN, 8, 1 + i);
      t.step({ x, y });
      tf.dispose([x, y]);
    }
    const top = Math.max(...read(t.units[2].synthesizer!.buffers()[0]).map(Math.abs));
    for (const k of [1, 2]) {
      const low = Math.max(...read(t.units[k - 1].synthesizer!.buffers()[0]).map(Math.abs));
      assert.ok(low > 1e-3 * top, `connection ${k}: average ${low} vs top ${top}`);
    }
    t.dispose();
  });

  it('works on CNN maps: one average per position and channel', () => {
    const CNN: NetworkSpec = { kind: 'cnn', input: [8, 8, 2], filters: [3, 4], pools: ['max', 'avg'], kernel: 3, classes: 4 };
    const m = methodSpec('stale', 3);
    const t = new BPLambdaTrainer(bpLambdaSpec({ network: CNN, ...m, synthesizer: { ...m.synthesizer, decay: 0 }, seed: 1 }));
    const { x, y } = randomBatch(CNN, 4, 2);
    const cap = t.stepCapture({ x, y });
    // decay 0: the average is the last batch mean of B·z̄.
    const ema = t.units[0].synthesizer as EmaSynthesizer;
    assert.deepEqual(ema.average.shape, cap.units[0].target!.shape.slice(1));
    assertClose(ema.average, tf.mul(tf.mean(cap.units[0].target!, 0), 4), 1e-5, 'average of a conv map');
    disposeCapture(cap);
    tf.dispose([x, y]);
  });
});
