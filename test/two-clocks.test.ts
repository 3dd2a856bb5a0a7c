/**
 * The two-clock trainer of D.3 (lib/trainers/two-clocks.ts): A's update with the true gradient in
 * place of the synthetic one is backprop through B; B sees exactly the messages of its ticks;
 * the DNI starts as "no gradient" (a zero synthetic gradient) and its synthesizer learns; no
 * tensors leak; bad config fields are named.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { Rng } from '../lib/core/rng';
import { randomDataset } from '../lib/data/dataset';
import { digitCountBatch } from '../lib/tasks/digit-counts';
import { TwoClocksTrainer } from '../lib/trainers/two-clocks';
import { type TwoClocksSpec, twoClocksSpec } from '../lib/trainers/two-clocks-spec';
import { assertClose } from './assert';

const ds = randomDataset([784], 10, 200, 7);
const small = (o: Partial<TwoClocksSpec> = {}, data = {}): TwoClocksSpec =>
  twoClocksSpec({
    ...o,
    data: { sequenceLength: 4, bPeriod: 2, oddCap: 4, threeCap: 2, ...data },
    net: { fcnWidth: 8, hidden: 6, messageWidth: 5 },
    synthesizer: { width: 7 },
    optimizer: { lr: 1e-3 },
  });
const batchOf = (spec: TwoClocksSpec, seed: number, n = 6) => digitCountBatch(ds, n, spec.data, new Rng(seed));

describe('Two networks on two clocks (D.3): the trainer', () => {
  afterEach(() => tf.disposeVariables());

  it('with the true gradient of the messages in place of the synthetic one, A’s update equals backprop through B (and B’s too)', () => {
    const tr = new TwoClocksTrainer(small({ method: 'dni' }));
    const t = tr.tensors(batchOf(tr.spec, 1));
    // Batch statistics make train-mode outputs independent of the running ones, so the passes below see the same network.
    const first = tr.aGradients(t, (ms) => ms.map(() => null));
    const b = tr.bGradients(first.messages, t);
    const oracle = tr.aGradients(t, () => b.messageGrads);
    const joint = tr.jointGradients(t);
    const names = tr.a.params().map((p) => p.name);
    oracle.grads.forEach((g, i) => assertClose(g, joint.gradsA[i], 1e-4, `A: ${names[i]}`, 1e-7));
    b.grads.forEach((g, i) => assertClose(g, joint.gradsB[i], 1e-4, `B: ${tr.b.params()[i].name}`, 1e-7));
    // And the message gradient matters: A's message layer gets nothing without it.
    const msgW = names.indexOf('A/message/W');
    assert.equal(tf.max(tf.abs(first.grads[msgW])).dataSync()[0], 0);
    assert.ok(tf.max(tf.abs(oracle.grads[msgW])).dataSync()[0] > 0);
    assertClose(first.grads[0], tr.aGradients(t, (ms) => ms.map(() => null)).grads[0], 0, 'repeatable', 0);
  });

  for (const [L, P, ticks] of [
    [4, 2, [2, 4]],
    [7, 3, [3, 6]],
  ] as const) {
    it(`B reads exactly A's messages of steps ${ticks} (sequence of ${L}, B every ${P} steps), made from A's LSTM output of those steps`, () => {
      const tr = new TwoClocksTrainer(small({ method: 'dni' }, { sequenceLength: L, bPeriod: P }));
      assert.deepEqual(tr.ticks, ticks);
      const seen: { hs: tf.Tensor[]; messageInputs: tf.Tensor[]; bInputs: number[][] } = { hs: [], messageInputs: [], bInputs: [] };
      const lstmForward = tr.a.lstm.forward.bind(tr.a.lstm);
      tr.a.lstm.forward = (xs, mode, s0, t0) => {
        const r = lstmForward(xs, mode, s0, t0);
        seen.hs = r.hs;
        return r;
      };
      const msgForward = tr.a.messageLinear.forward.bind(tr.a.messageLinear);
      tr.a.messageLinear.forward = (x) => {
        seen.messageInputs.push(x);
        return msgForward(x);
      };
      const bForward = tr.b.forward.bind(tr.b);
      const aMessages: number[][] = [];
      const aForward = tr.a.forward.bind(tr.a);
      tr.a.forward = (xs, mode) => {
        const r = aForward(xs, mode);
        aMessages.push(...r.messages.map((m) => Array.from(m.dataSync())));
        return r;
      };
      tr.b.forward = (ms, mode) => {
        seen.bInputs.push(...ms.map((m) => Array.from(m.dataSync())));
        return bForward(ms, mode);
      };
      tr.step(batchOf(tr.spec, 2));
      assert.equal(seen.hs.length, L);
      assert.deepEqual(
        seen.messageInputs.map((x) => seen.hs.indexOf(x) + 1),
        ticks,
      );
      assert.equal(seen.bInputs.length, ticks.length);
      assert.deepEqual(seen.bInputs, aMessages);
    });
  }

  it('the DNI starts as no gradient (a zero synthetic gradient), then its synthesizer regresses onto B’s gradient', () => {
    const dni = new TwoClocksTrainer(small({ method: 'dni' }));
    const none = new TwoClocksTrainer(small({ method: 'nograd' }));
    const batch = batchOf(dni.spec, 3);
    const s1 = dni.step(batch);
    none.step(batch);
    dni.a.params().forEach((p, i) => assertClose(p, none.a.params()[i], 1e-6, p.name, 1e-7));
    assert.equal(s1.sgCosine, 0);
    assert.equal(s1.sgNormRatio, 0);
    let last = s1;
    // With A and B held still on one batch, B's gradient is a fixed target: the synthetic gradient comes to point along it.
    dni.optA.apply = () => {};
    dni.optB.apply = () => {};
    for (let k = 0; k < 150; k++) last = dni.step(batch);
    assert.ok(Number.isFinite(last.sgLoss) && last.sgCosine > 0.8, `cosine after 150 steps: ${last.sgCosine}`);
    // Fitted, M's output is about the true gradient, so ĝ as consumed is about scale (10) times it.
    assert.ok(last.sgNormRatio > 5 && last.sgNormRatio < 15, `norm ratio ${last.sgNormRatio}`);
    const other = last;
    assert.ok(Number.isNaN(none.step(batch).sgCosine) && Number.isFinite(other.lossB));
  });

  for (const method of ['dni', 'bprop', 'nograd'] as const) {
    it(`a training step and an evaluation leak no tensors (${method})`, () => {
      const tr = new TwoClocksTrainer(small({ method }));
      tr.step(batchOf(tr.spec, 4));
      tr.evaluate(batchOf(tr.spec, 5));
      const before = tf.memory().numTensors;
      tr.step(batchOf(tr.spec, 6));
      tr.evaluate(batchOf(tr.spec, 7));
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('a bad config field raises a ConfigError naming it', () => {
    const bad: [string, Partial<TwoClocksSpec>][] = [
      ['method', { method: 'dnl' as never }],
      ['data.bPeriod', { data: { ...small().data, bPeriod: 0 } }],
      ['data.bPeriod', { data: { ...small().data, bPeriod: 9 } }],
      ['data.window', { data: { ...small().data, window: 2 } as never }],
      ['net.hidden', { net: { ...small().net, hidden: 0 } }],
      ['synthesizer.scale', { synthesizer: { ...small().synthesizer, scale: -10 } }],
      ['synthesizer.hiddenLayers', { synthesizer: { ...small().synthesizer, hiddenLayers: 3 } }],
      ['optimizer.lr', { optimizer: { ...small().optimizer, lr: 0 } }],
      ['seed', { seed: 1.5 }],
      ['clock', { clock: 2 } as never],
    ];
    for (const [field, o] of bad) {
      assert.throws(
        () => new TwoClocksTrainer({ ...small(), ...o }),
        (e: unknown) => e instanceof ConfigError && e.field === field,
        field,
      );
    }
  });
});
