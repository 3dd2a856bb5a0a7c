/**
 * Recurrent BP(λ) (paper A.3; lib/trainers/recurrent.ts) against references that share none of
 * its backward code: tfjs autodiff of the LSTM unrolled with plain ops (lib/trainers/reference.ts:
 * refLstm, refBitLoss) and the synthesizer written out with plain ops below.
 *
 * Most tests feed a sequence as a stream of one-chunk batches (T = 3, batches of 3 steps, the
 * state carried), so the parameters and the state can be copied between chunks; a separate
 * test checks that cutting one batch into chunks inside step() is the same run.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { bpttVersusAutodiff, refBitLoss, refLstm } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { COPY_OUTPUTS, copyInputs, type CopyLevel, disposeSequenceBatch } from '../lib/tasks/copy';
import type { SequenceBatch } from '../lib/tasks/sequence';
import { RecurrentSynthesizer } from '../lib/synthesizers/recurrent';
import { disposeChunkRecords, RecurrentTrainer } from '../lib/trainers/recurrent';
import { recurrentCacheTrainer } from '../lib/experiments/canonical-json';
import { chunkBounds, type RecurrentInput, recurrentSpec, truncationLambdas } from '../lib/trainers/recurrent-spec';
import { assertClose, maxAbs, maxAbsDiff, repeatCopyBatch } from './assert';

const H = 7;
const B = 4;
const I = copyInputs('repeatCopy');

function trainer(extra: Partial<RecurrentInput> & Pick<RecurrentInput, 'T' | 'method'>): RecurrentTrainer {
  return new RecurrentTrainer(
    recurrentSpec({
      inputs: I,
      outputs: COPY_OUTPUTS,
      hidden: H,
      seed: 3,
      optimizer: { lr: 0.01 },
      ...extra,
      synthesizer: { width: 5, ...extra.synthesizer },
    }),
  );
}

/** Steps [from, to) of B Repeat Copy sequences (see repeatCopyBatch). */
const batch = (level: CopyLevel, seed: number, from = 0, to?: number): SequenceBatch => repeatCopyBatch(level, B, seed, from, to);

/** Give the synthesizer non-zero weights, so synthetic gradients are not trivially zero. */
function randomiseSynthesizer(t: RecurrentTrainer, seed: number, std = 0.3): void {
  const rng = new Rng(seed);
  for (const p of t.synthesizer!.params()) p.assign(tf.tensor(rng.normals(p.size, std), p.shape));
}

/** The synthesizer (one hidden layer) with plain ops, from copies of its parameters [W1, b1, W, b, (Wa, ba)]. */
function refSynthesizer(phi: tf.Tensor[], h: tf.Tensor): { out: tf.Tensor; aux: tf.Tensor | null } {
  const a = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, phi[0] as tf.Tensor2D), phi[1]));
  const lin = (W: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(a, W as tf.Tensor2D), b);
  return { out: lin(phi[2], phi[3]), aux: phi.length > 4 ? lin(phi[4], phi[5]) : null };
}

/** Plain-ops losses of a batch's steps from (h_0, c_0), with θ as coreParams() (the LSTM's eight, W_out, b_out): Σ l_t (nats per sequence) and the end state. */
function refChunk(theta: tf.Tensor[], bt: SequenceBatch, h0: tf.Tensor, c0: tf.Tensor) {
  const [Wy, by] = theta.slice(8);
  const xs = tf.unstack(bt.x);
  const r = refLstm(theta.slice(0, 8), xs, h0, c0);
  const L = xs.length;
  const logits = tf.add(tf.matMul(tf.concat(r.hs, 0) as tf.Tensor2D, Wy as tf.Tensor2D), by);
  return { loss: refBitLoss(logits, tf.reshape(bt.y, [L * B, 8]), tf.reshape(bt.mask, [L * B]), B), h: r.h, c: r.c };
}

const copies = (ts: tf.Tensor[]) => ts.map((x) => tf.clone(x));

describe('recurrent BP(λ)', () => {
  afterEach(() => tf.disposeVariables());

  it('λ = 1 everywhere (T = full, or T ≥ L) is full BPTT: every θ gradient equals autodiff of the unrolled loss', () => {
    for (const [method, T] of [
      ['bptt', 'full'],
      ['dni', 'full'],
      ['dniAux', 50],
    ] as const) {
      const t = trainer({ T, method });
      const bt = batch({ N: 3, R: 2 }, 1);
      const ref = tf.variableGrads(
        () => tf.tidy(() => refChunk(t.coreParams(), bt, tf.zeros([B, H]), tf.zeros([B, H])).loss),
        t.coreParams(),
      );
      const recs = t.stepCapture(bt);
      assert.equal(recs.length, 1, 'one chunk');
      assert.equal(recs[0].synthetic, null, 'no synthetic gradient where the sequences end');
      t.coreParams().forEach((v, i) => assertClose(recs[0].grads[i], ref.grads[v.name], 1e-4, `${method}: ${v.name}`));
      assert.ok(maxAbs(recs[0].grads[0]) > 1e-4, 'a non-trivial gradient');
      disposeChunkRecords(recs);
      tf.dispose([ref.value, ...Object.values(ref.grads)]);
      // The same check as notebooks print it (after the step above moved θ).
      const check = bpttVersusAutodiff(t, bt);
      assert.ok(check.maxAbsDiff < 1e-4 * check.maxAbsGrad && check.maxAbsGrad > 1e-3, JSON.stringify(check));
      disposeSequenceBatch(bt);
      t.dispose();
    }
    const truncated = trainer({ T: 3, method: 'bptt' });
    const bt = batch({ N: 3, R: 2 }, 1);
    assert.throws(() => bpttVersusAutodiff(truncated, bt), /one chunk per batch/);
    disposeSequenceBatch(bt);
    truncated.dispose();
  });

  it('truncation is λ = 0 at every T-th state: the chunks and λ_k', () => {
    assert.deepEqual(chunkBounds(7, 3), [
      [0, 3],
      [3, 6],
      [6, 7],
    ]);
    assert.deepEqual(chunkBounds(6, 'full'), [[0, 6]]);
    assert.deepEqual(truncationLambdas(7, 3), [1, 1, 0, 1, 1, 0, 1]);
    assert.deepEqual(truncationLambdas(6, 3, false), [1, 1, 0, 1, 1, 0]);
  });

  it('truncated BPTT: each chunk’s gradient is autodiff of its own losses from the carried state; nothing crosses a boundary', () => {
    const t = trainer({ T: 3, method: 'bptt' });
    const level = { N: 2, R: 2 }; // L = 7
    let h: tf.Tensor = tf.zeros([B, H]);
    let c: tf.Tensor = tf.zeros([B, H]);
    for (const [t0, t1] of chunkBounds(7, 3)) {
      const bt = batch(level, 2, t0, t1);
      const theta = copies(t.coreParams());
      const ref = tf.grads((...th: tf.Tensor[]) => refChunk(th, bt, h, c).loss)(theta);
      const recs = t.stepCapture(bt);
      ref.forEach((g, i) => assertClose(recs[0].grads[i], g, 1e-4, `chunk [${t0}, ${t1}) θ[${i}]`));
      assert.equal(recs[0].synthetic, null);
      const s = refChunk(theta, bt, h, c);
      tf.dispose([h, c]);
      [h, c] = [s.h, s.c];
      if (t1 < 7) assertClose(t.state!.h, h, 1e-5, 'carried h');
      tf.dispose([...theta, ...ref, s.loss]);
      disposeChunkRecords(recs);
      disposeSequenceBatch(bt);
    }
    assert.equal(t.state, null, 'the state is dropped where the sequences end');
    tf.dispose([h, c]);
    t.dispose();
  });

  it('cutting a batch into chunks inside step() is the same run as feeding the chunks as a stream', () => {
    for (const method of ['bptt', 'dniAux'] as const) {
      const whole = trainer({ T: 3, method, sgToCore: true });
      const stream = trainer({ T: 3, method, sgToCore: true });
      for (const t of [whole, stream]) if (t.synthesizer) randomiseSynthesizer(t, 4);
      const bt = batch({ N: 3, R: 2 }, 3); // L = 10: chunks of 3, 3, 3, 1
      whole.step(bt);
      for (const [t0, t1] of chunkBounds(10, 3)) {
        const part = batch({ N: 3, R: 2 }, 3, t0, t1);
        stream.step(part);
        disposeSequenceBatch(part);
      }
      assert.equal(whole.updates, 4);
      assert.equal(stream.updates, 4);
      assert.deepEqual([whole.samples, stream.samples, stream.steps], [B, B, 4], 'a stream of 4 batches is B sequences');
      whole.params().forEach((p, i) => assertClose(p, stream.params()[i], 1e-5, `${method}: ${p.name}`));
      disposeSequenceBatch(bt);
      whole.dispose();
      stream.dispose();
    }
  });

  it('T = 1 is BP(0): one update per step, a synthetic gradient at every state but the last, each regressed one step later', () => {
    const t = trainer({ T: 1, method: 'dni' });
    randomiseSynthesizer(t, 17);
    const bt = batch({ N: 2, R: 1 }, 18); // L = 5
    const recs = t.stepCapture(bt);
    assert.equal(recs.length, 5);
    assert.equal(t.updates, 5);
    assert.deepEqual(
      recs.map((r) => [r.synthetic !== null, r.target !== null]),
      [
        [true, false],
        [true, true],
        [true, true],
        [true, true],
        [false, true],
      ],
    );
    for (let j = 1; j < 5; j++) assertClose(recs[j].regressed!, recs[j - 1].synthetic!, 1e-6, `step ${j}`);
    disposeChunkRecords(recs);
    disposeSequenceBatch(bt);
    t.dispose();
  });

  it('with a zero-initialised synthesizer the first truncated updates equal plain truncated BPTT (and later ones do not)', () => {
    const bptt = trainer({ T: 3, method: 'bptt' });
    const dni = trainer({ T: 3, method: 'dniAux', sgToCore: true });
    const bt = batch({ N: 3, R: 2 }, 5); // L = 10: chunks [0,3) [3,6) [6,9) [9,10)
    const a = bptt.stepCapture(bt);
    const d = dni.stepCapture(bt);
    assert.equal(maxAbs(d[0].synthetic!), 0, 'the first synthetic gradient is exactly zero');
    // Chunk 1: the synthesizer is still zero when it makes the synthetic gradient; its first regression comes after.
    for (const j of [0, 1]) a[j].grads.forEach((g, i) => assertClose(d[j].grads[i], g, 1e-6, `chunk ${j} θ[${i}]`, 1e-9));
    // Chunk 2 ends in a synthetic gradient from a synthesizer that has trained once: no longer BPTT.
    assert.ok(maxAbs(d[2].synthetic!) > 0);
    assert.ok(maxAbsDiff(d[2].grads[0], a[2].grads[0]) > 1e-6, 'chunk 2 differs from BPTT');
    disposeChunkRecords([...a, ...d]);
    disposeSequenceBatch(bt);
    bptt.dispose();
    dni.dispose();
  });

  for (const [sgTarget, sgBootstrap] of [
    ['future', 'consumed'],
    ['withStepLoss', 'consumed'],
    ['future', 'raw'],
  ] as const) {
    it(`the synthesizer's target is the gradient reaching the chunk's first state, bootstrapped term included: a vector–Jacobian product by autodiff (sgTarget '${sgTarget}', sgBootstrap '${sgBootstrap}')`, () => {
      const t = trainer({ T: 3, method: 'dni', sgTarget, sgBootstrap });
      randomiseSynthesizer(t, 6);
      const level = { N: 1, R: 6 }; // L = 8, targets from step 2 on: the boundary step has a loss
      const first = batch(level, 7, 0, 3);
      const second = batch(level, 7, 3, 6);
      const thetaA = copies(t.coreParams());
      const recA = t.stepCapture(first);
      // The chunk [3, 6) starts from θ after the first update and the carried state; φ has not trained yet.
      const theta = copies(t.coreParams());
      const phi = copies(t.synthesizer!.params());
      const h0 = tf.clone(t.state!.h);
      const c0 = tf.clone(t.state!.c);
      const recB = t.stepCapture(second);

      // 'perExample' units: ÷B when consumed; 'raw' bootstraps from the unscaled output.
      const scale = (sgBootstrap === 'raw' ? 1 : t.spec.synthesizer.scale) / B;
      // z̄ = ∂/∂(h_0, c_0) of [Σ_{t in chunk} l_t + ⟨g, (h_T, c_T)⟩], g the synthetic gradient at the chunk's end, a constant.
      const g = tf.tidy(() => tf.mul(refSynthesizer(phi, refChunk(theta, second, h0, c0).h).out, scale));
      const [gh, gc] = tf.split(g, 2, 1);
      const [zh, zc] = tf.grads((h: tf.Tensor, c: tf.Tensor) => {
        const r = refChunk(theta, second, h, c);
        return tf.add(r.loss, tf.add(tf.sum(tf.mul(gh, r.h)), tf.sum(tf.mul(gc, r.c))));
      })([h0, c0]);
      let expected = tf.concat([zh, zc], 1);
      if (sgTarget === 'withStepLoss') {
        // Plus ∂l/∂h at the boundary step (step 2), with θ as it was in the first chunk.
        const x = tf.unstack(first.x);
        const prefix = refLstm(thetaA.slice(0, 8), x.slice(0, 2), tf.zeros([B, H]), tf.zeros([B, H]));
        const h3 = refLstm(thetaA.slice(0, 8), [x[2]], prefix.h, prefix.c).h;
        const last: SequenceBatch = {
          x: tf.slice(first.x, [2, 0, 0], [1, B, I]),
          y: tf.slice(first.y, [2, 0, 0], [1, B, 8]),
          mask: tf.slice(first.mask, [2, 0], [1, B]),
        };
        const dl = tf.grad((h: tf.Tensor) =>
          refBitLoss(
            tf.add(tf.matMul(h as tf.Tensor2D, thetaA[8] as tf.Tensor2D), thetaA[9]),
            tf.reshape(last.y, [B, 8]),
            tf.reshape(last.mask, [B]),
            B,
          ),
        )(h3);
        assert.ok(maxAbs(dl) > 1e-4, 'the boundary step has a loss');
        expected = tf.add(expected, tf.concat([dl, tf.zerosLike(dl)], 1));
      }
      assert.ok(maxAbs(gh) > 1e-4 && maxAbs(gc) > 1e-4, 'the bootstrapped term is not zero');
      assertClose(recB[0].target!, expected, 1e-4, 'z̄');
      // What was regressed onto it: the synthetic gradient made at the end of the previous chunk.
      assertClose(recB[0].regressed!, recA[0].synthetic!, 1e-6, 'the synthetic gradient regressed');
      const sgLoss = tf.tidy(() => tf.sum(tf.square(tf.sub(recA[0].out!, tf.mul(recB[0].target!, B)))));
      assertClose(recB[0].sgLoss!, sgLoss, 1e-5, 'regression loss (sum, per-example units)');
      tf.dispose([...thetaA, ...theta, ...phi, h0, c0, g, gh, gc, zh, zc, expected]);
      disposeChunkRecords([...recA, ...recB]);
      [first, second].forEach(disposeSequenceBatch);
      t.dispose();
    });
  }

  it('DNI+Aux: the aux head at a boundary regresses onto the synthesizer’s raw output at the next boundary; not at the sequences’ end', () => {
    const t = trainer({ T: 3, method: 'dniAux' });
    randomiseSynthesizer(t, 8);
    const level = { N: 2, R: 2 }; // L = 7: chunks [0,3) [3,6) [6,7)
    const recA = t.stepCapture(batch(level, 9, 0, 3));
    const phi = copies(t.synthesizer!.params());
    const h3 = tf.clone(t.state!.h);
    const recB = t.stepCapture(batch(level, 9, 3, 6));
    const h6 = tf.clone(t.state!.h);
    const recC = t.stepCapture(batch(level, 9, 6, 7));
    // At [3, 6): the aux output made at h_3, against the raw output made at h_6 (both with φ before its first update).
    assertClose(recB[0].aux!, refSynthesizer(phi, h3).aux!, 1e-5, 'aux head at h_3');
    assertClose(recB[0].auxTarget!, refSynthesizer(phi, h6).out, 1e-5, 'aux target: the raw output at h_6');
    assertClose(recB[0].auxTarget!, recB[0].out!, 0, 'the same tensor values as the chunk’s own output');
    const auxLoss = tf.tidy(() => tf.sum(tf.square(tf.sub(recB[0].aux!, recB[0].auxTarget!))));
    assertClose(recB[0].auxLoss!, auxLoss, 1e-5, 'aux loss (sum, weight 1)');
    // The last chunk: no synthetic gradient at its end, so no aux target; the aux head gets a zero gradient.
    assert.equal(recC[0].synthetic, null);
    assert.equal(recC[0].auxTarget, null);
    assert.equal(recC[0].auxLoss, null);
    assert.ok(recC[0].sgLoss, 'the main head still regresses onto the gradient reaching h_6');
    const auxGrads = recC[0].synthesizerGrads.slice(-2);
    assert.equal(maxAbs(auxGrads[0]) + maxAbs(auxGrads[1]), 0);
    assert.equal(recA[0].target, null, 'nothing to regress in the first chunk');
    tf.dispose([...phi, h3, h6, auxLoss]);
    disposeChunkRecords([...recA, ...recB, ...recC]);
    t.dispose();
  });

  it('sgToCore: the regression errors reach θ through the kept core that made the boundary’s h, weighted as a batch mean (autodiff of one LSTM step)', () => {
    const w = 0.7;
    const t = trainer({ T: 3, method: 'dniAux', sgToCore: true, sgToCoreWeight: w });
    randomiseSynthesizer(t, 10);
    const level = { N: 3, R: 2 };
    const first = batch(level, 11, 0, 3);
    const thetaA = copies(t.coreParams());
    const recA = t.stepCapture(first);
    const phi = copies(t.synthesizer!.params());
    const recB = t.stepCapture(batch(level, 11, 3, 6));
    const z = recB[0].target!;
    const auxTarget = recB[0].auxTarget!;
    // h_3 as a function of the LSTM's parameters through the last core only: h_2, c_2 are constants.
    const x = tf.unstack(first.x);
    const prefix = refLstm(thetaA.slice(0, 8), x.slice(0, 2), tf.zeros([B, H]), tf.zeros([B, H]));
    const ref = tf.grads((...lstm: tf.Tensor[]) => {
      const h3 = refLstm(lstm, [x[2]], prefix.h, prefix.c).h;
      const s = refSynthesizer(phi, h3);
      // The synthesizer's own losses are sums over the batch; θ gets w × their batch mean.
      const sum = tf.add(tf.sum(tf.square(tf.sub(s.out, tf.mul(z, B)))), tf.sum(tf.square(tf.sub(s.aux!, auxTarget))));
      return tf.mul(sum, w / B);
    })(thetaA.slice(0, 8));
    assert.ok(maxAbs(ref[0]) > 1e-4);
    assert.equal(recB[0].coreFromSG!.length, 8);
    ref.forEach((g, i) => assertClose(recB[0].coreFromSG![i], g, 1e-4, `${t.lstm.params()[i].name} from the regression errors`));
    tf.dispose([...thetaA, ...phi, ...ref]);
    disposeChunkRecords([...recA, ...recB]);
    disposeSequenceBatch(first);
    t.dispose();
  });

  const cases = [
    [0, 'relu'],
    [1, 'relu'],
    [2, 'relu'],
    [1, 'leakyRelu'],
    [2, 'tanh'],
  ] as const;
  for (const [hiddenLayers, activation] of cases) {
    it(`the recurrent synthesizer (${hiddenLayers} hidden layers, ${activation}, with the aux head): its regression gradients and ∂/∂h equal autodiff`, () =>
      tf.tidy(() => {
        const rng = new Rng(20 + hiddenLayers + (activation === 'relu' ? 0 : 10));
        const spec = recurrentSpec({
          inputs: I,
          outputs: 8,
          hidden: H,
          T: 3,
          method: 'dniAux',
          synthesizer: { hiddenLayers, activation, width: 5, lossReduction: 'mean', lossWeight: 0.7, auxWeight: 1.3 },
        }).synthesizer;
        const act = { relu: tf.relu, leakyRelu: (x: tf.Tensor) => tf.leakyRelu(x, 0.1), tanh: tf.tanh }[activation];
        const s = new RecurrentSynthesizer(H, spec, true, rng, 'synth');
        for (const p of s.params()) p.assign(tf.tensor(rng.normals(p.size, 0.4), p.shape));
        const h = tf.tensor2d(rng.normals(B * H), [B, H]);
        const z = tf.tensor2d(rng.normals(B * 2 * H, 0.1), [B, 2 * H]);
        const auxTarget = tf.tensor2d(rng.normals(B * 2 * H), [B, 2 * H]);
        const f = s.forward(h);
        const r = s.regress(f, z, auxTarget, true);
        // Plain ops: (Linear → activation)^n, two linear heads; 'mean' losses with their weights, the target ×B ('perExample').
        const loss = (x: tf.Tensor, ...phi: tf.Tensor[]) => {
          let a = x;
          for (let l = 0; l < hiddenLayers; l++) a = act(tf.add(tf.matMul(a as tf.Tensor2D, phi[2 * l] as tf.Tensor2D), phi[2 * l + 1]));
          const k = 2 * hiddenLayers;
          const out = tf.add(tf.matMul(a as tf.Tensor2D, phi[k] as tf.Tensor2D), phi[k + 1]);
          const aux = tf.add(tf.matMul(a as tf.Tensor2D, phi[k + 2] as tf.Tensor2D), phi[k + 3]);
          return tf.add(
            tf.mul(tf.mean(tf.square(tf.sub(out, tf.mul(z, B)))), 0.7),
            tf.mul(tf.mean(tf.square(tf.sub(aux, auxTarget))), 1.3),
          );
        };
        const ref = tf.grads(loss)([h, ...s.params()]);
        assertClose(tf.add(r.loss, r.auxLoss!), loss(h, ...s.params()), 1e-5, 'loss');
        assertClose(r.dh!, ref[0], 1e-4, '∂/∂h');
        s.params().forEach((p, i) => assertClose(r.grads[i], ref[i + 1], 1e-4, p.name));
        assert.equal(maxAbs(s.consumed(tf.zerosLike(f.out) as tf.Tensor2D)), 0);
        assertClose(s.consumed(f.out), tf.mul(f.out, spec.scale / B), 1e-7, 'consumed = scale·out/B');
      }));
  }

  it('shuffleSG (a control): each sequence consumes the synthetic gradient made for the next one, and nothing else changes', () => {
    const [a, b] = [false, true].map((shuffleSG) => trainer({ T: 3, method: 'dni', shuffleSG }));
    randomiseSynthesizer(a, 8);
    randomiseSynthesizer(b, 8);
    const level = { N: 2, R: 2 };
    const [ra, rb] = [a, b].map((t) => t.stepCapture(batch(level, 14, 0, 3)));
    const own = ra[0].synthetic!;
    const rolledRows = tf.concat([tf.slice(own, [1, 0], [B - 1, -1]), tf.slice(own, [0, 0], [1, -1])], 0);
    assert.ok(maxAbs(own) > 1e-4);
    assertClose(rb[0].synthetic!, rolledRows, 0, 'rows rolled by one');
    assertClose(rb[0].out!, ra[0].out!, 0, 'the synthesizer’s own output is unchanged');
    tf.dispose(rolledRows);
    disposeChunkRecords([...ra, ...rb]);
    a.dispose();
    b.dispose();
  });

  it('a training step leaks no tensors (every method and option, whole sequences and streams, stats, capture-free), and dispose frees everything', () => {
    const start = tf.memory();
    for (const method of ['bptt', 'dni', 'dniAux'] as const) {
      for (const opts of [
        {},
        { sgToCore: true, sgTarget: 'withStepLoss' as const, clipNorm: 1, sgBootstrap: 'raw' as const, shuffleSG: true },
      ]) {
        const t = trainer({ T: 3, method, ...opts });
        const whole = batch({ N: 2, R: 2 }, 12);
        const parts = [batch({ N: 2, R: 2 }, 13, 0, 4), batch({ N: 2, R: 2 }, 13, 4, 7)];
        t.step(whole); // creates optimizer state, if any lazily
        const before = tf.memory().numTensors;
        t.step(whole, { stats: true });
        t.step(parts[0]); // carries the state and a pending synthesizer pass
        const carried = tf.memory().numTensors;
        t.step(parts[1], { stats: true });
        t.evaluate(whole);
        assert.equal(tf.memory().numTensors, before, `${method} ${JSON.stringify(opts)} leaked ${tf.memory().numTensors - before} tensors`);
        assert.ok(carried >= before, 'state carried between batches');
        t.step(parts[0]);
        t.dispose(); // with a state and a pending pass held
        [whole, ...parts].forEach(disposeSequenceBatch);
      }
    }
    assert.equal(tf.memory().numTensors, start.numTensors);
    assert.equal(tf.memory().numBytes, start.numBytes);
  });

  it('statistics: bits per sequence, the fraction of sequences with a wrong bit, sgLoss / sgTargetCosine / auxLoss; evaluate leaves the training state alone', () => {
    const bt = batch({ N: 2, R: 2 }, 14);
    // One chunk: the training loss is measured before the only update, so it is the evaluation loss.
    const full = trainer({ T: 'full', method: 'bptt' });
    const ev = full.evaluate(bt);
    const st = full.step(bt, { stats: true })!;
    assert.ok(Math.abs(st.loss - ev.loss / B) < 1e-4, `${st.loss} vs ${ev.loss / B}`);
    assert.ok(st.loss > 8 * 4 * 0.5, 'bits per sequence of an untrained net: about 1 a bit, 32 bits');
    assert.equal(st.error, ev.errors / B);
    assert.deepEqual(full.step(bt, { stats: true })!.series, {});
    full.dispose();
    const t = trainer({ T: 3, method: 'dniAux' });
    const s3 = t.step(bt, { stats: true })!;
    assert.deepEqual(Object.keys(s3.series).sort(), ['auxLoss', 'sgLoss', 'sgTargetCosine']);
    assert.ok(s3.series.sgLoss[0] > 0);
    const part = batch({ N: 2, R: 2 }, 15, 0, 3);
    t.step(part);
    const h = tf.clone(t.state!.h);
    t.evaluate(bt);
    assertClose(t.state!.h, h, 0, 'state untouched by evaluate');
    tf.dispose(h);
    [bt, part].forEach(disposeSequenceBatch);
    t.dispose();
  });

  it('the same seed gives the same run; bptt and dni of one seed start from the same θ', () => {
    const run = (seed: number, method: 'bptt' | 'dni') => {
      const t = new RecurrentTrainer(recurrentSpec({ inputs: I, outputs: 8, hidden: H, T: 2, method, seed, synthesizer: { width: 4 } }));
      const theta0 = t.coreParams().map((p) => Array.from(p.dataSync()));
      const bt = batch({ N: 2, R: 1 }, 16);
      t.step(bt);
      disposeSequenceBatch(bt);
      const out = { theta0, params: t.params().map((p) => Array.from(p.dataSync())) };
      t.dispose();
      return out;
    };
    assert.deepEqual(run(5, 'dni'), run(5, 'dni'));
    assert.notDeepEqual(run(5, 'dni').params, run(6, 'dni').params);
    assert.deepEqual(run(5, 'bptt').theta0, run(5, 'dni').theta0);
  });

  it('options added later are left out of the cache key at their off values, and in it otherwise', () => {
    const base = { inputs: 9, outputs: 8, T: 5, method: 'dni' } as const;
    const plain = recurrentCacheTrainer(recurrentSpec(base));
    for (const off of [{ sgBootstrap: 'consumed' }, { shuffleSG: false }, { synthesizer: { activation: 'relu' } }] as const)
      assert.deepEqual(recurrentCacheTrainer(recurrentSpec({ ...base, ...off })), plain, JSON.stringify(off));
    assert.ok(!('activation' in plain.synthesizer) && !('shuffleSG' in plain) && !('sgBootstrap' in plain));
    assert.equal(recurrentCacheTrainer(recurrentSpec({ ...base, synthesizer: { activation: 'tanh' } })).synthesizer.activation, 'tanh');
    assert.equal(recurrentCacheTrainer(recurrentSpec({ ...base, shuffleSG: true })).shuffleSG, true);
  });

  it('bad configs throw a ConfigError naming the field', () => {
    const base = { inputs: 9, outputs: 8, T: 5, method: 'dni' } as const;
    const cases: [() => unknown, string][] = [
      [() => recurrentSpec({ ...base, T: 0 }), 'T'],
      [() => recurrentSpec({ ...base, T: 2.5 }), 'T'],
      [() => recurrentSpec({ ...base, T: 'all' } as any), 'T'],
      [() => recurrentSpec({ ...base, method: 'dni+aux' } as any), 'method'],
      [() => recurrentSpec({ ...base, sgTarget: 'printed' } as any), 'sgTarget'],
      [() => recurrentSpec({ ...base, sgToCore: 'false' } as any), 'sgToCore'],
      [() => recurrentSpec({ ...base, sgToCoreWeight: -1 }), 'sgToCoreWeight'],
      [() => recurrentSpec({ ...base, sgBootstrap: 'scaled' } as any), 'sgBootstrap'],
      [() => recurrentSpec({ ...base, shuffleSG: 1 } as any), 'shuffleSG'],
      [() => recurrentSpec({ ...base, synthesizerOptimizer: { lr: -1 } }), 'synthesizerOptimizer.lr'],
      [() => recurrentSpec({ ...base, synthesizerOptimizer: { rate: 1 } } as any), 'synthesizerOptimizer.rate'],
      [() => recurrentSpec({ ...base, hidden: 0 }), 'hidden'],
      [() => recurrentSpec({ ...base, inputs: -1 }), 'inputs'],
      [() => recurrentSpec({ ...base, clipNorm: -1 }), 'clipNorm'],
      [() => recurrentSpec({ ...base, synthesizer: { scale: NaN } }), 'synthesizer.scale'],
      [() => recurrentSpec({ ...base, synthesizer: { hiddenLayers: 3 } }), 'synthesizer.hiddenLayers'],
      [() => recurrentSpec({ ...base, synthesizer: { auxWeight: -1 } }), 'synthesizer.auxWeight'],
      [() => recurrentSpec({ ...base, synthesizer: { activation: 'gelu' } } as any), 'synthesizer.activation'],
      [() => recurrentSpec({ ...base, synthesizer: { widht: 3 } } as any), 'synthesizer.widht'],
      [() => recurrentSpec({ ...base, optimizer: { lr: 0 } }), 'optimizer.lr'],
      [() => recurrentSpec({ ...base, optimizer: { learningRate: 1 } } as any), 'optimizer.learningRate'],
      [() => recurrentSpec({ ...base, lambda: [0] } as any), 'lambda'],
      [() => recurrentSpec({ ...base, seed: 1.5 }), 'seed'],
    ];
    for (const [f, field] of cases)
      assert.throws(
        f,
        (e: unknown) => e instanceof ConfigError && e.field === field && e.message.includes(`'${field}'`),
        `expected a ConfigError on ${field}`,
      );
    assert.equal(recurrentSpec(base).synthesizer.width, 256, 'the synthesizer is as wide as the LSTM by default');
    assert.equal(recurrentSpec({ ...base, hidden: 32 }).synthesizer.width, 32);
    // Data that does not fit the sizes.
    const t = trainer({ T: 3, method: 'bptt' });
    const bt = { x: tf.zeros([5, 2, 3]) as tf.Tensor3D, y: tf.zeros([5, 2, 8]) as tf.Tensor3D, mask: tf.zeros([5, 2]) as tf.Tensor2D };
    assert.throws(
      () => t.step(bt),
      (e: unknown) => e instanceof ConfigError && e.field === 'inputs',
    );
    disposeSequenceBatch(bt);
    t.dispose();
  });
});
