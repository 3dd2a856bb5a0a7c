/**
 * Character-level language modelling (lib/runs/train-char-lm.ts, lib/runs/char-lm/): batches, BPC, carried state,
 * early stopping, sampling, leaks and config errors. References share none of the evaluation
 * code: the LSTM unrolled with plain ops (refLstm) and log-probabilities in double precision.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildVocab, encode, type PtbCorpus } from '../lib/data/ptb';
import { ConfigError } from '../lib/core/errors';
import { dataDir } from '../lib/data/paths';
import { corpusDigest, loadPtbChars, runCharLm } from '../lib/experiments/run-char-lm';
import { deviations } from '../lib/experiments/preset';
import { PTB_PRESET } from '../lib/experiments/sections/penn-treebank';
import { SCALES } from '../lib/experiments/scale';
import { evaluateText, streamPieces } from '../lib/runs/char-lm/evaluate';
import { drawSymbol, sampleText } from '../lib/runs/char-lm/sample';
import { refLstm } from '../lib/trainers/reference';
import { Rng } from '../lib/core/rng';
import { disposeSequenceBatch } from '../lib/tasks/copy';
import { softmaxTask } from '../lib/tasks/softmax';
import { CharLmBatches, charLmSpec, snapshotParams, trainCharLm } from '../lib/runs/train-char-lm';
import { RecurrentTrainer } from '../lib/trainers/recurrent';
import { type RecurrentInput, recurrentSpec } from '../lib/trainers/recurrent-spec';
import { assertClose } from './assert';

type Corpus = Pick<PtbCorpus, 'train' | 'valid' | 'test' | 'vocab'>;

/** A corpus from three strings, the vocabulary from all three (sorted by frequency as PTB's). */
function corpus(train: string, valid: string, test: string): Corpus {
  const vocab = buildVocab([...train, ...valid, ...test]);
  const enc = (s: string) => encode([...s], vocab, 'test');
  return { train: enc(train), valid: enc(valid), test: enc(test), vocab };
}

function lmTrainer(V: number, extra: Partial<RecurrentInput> = {}): RecurrentTrainer {
  return new RecurrentTrainer(
    recurrentSpec({
      inputs: V,
      outputs: V,
      hidden: 6,
      T: 3,
      method: 'bptt',
      seed: 2,
      optimizer: { lr: 0.01 },
      ...extra,
      synthesizer: { width: 5 },
    }),
    softmaxTask,
  );
}

/** Every parameter drawn from N(0, std²): a sharper model than the default init, so errors show. */
function randomise(t: RecurrentTrainer, seed: number, std = 0.8): void {
  const rng = new Rng(seed);
  for (const p of t.params()) p.assign(tf.tensor(rng.normals(p.size, std), p.shape));
}

/** ln p of every next symbol of `ids` with plain ops: one piece from the zero state, or reset every `reset` steps. */
function refLogProbs(t: RecurrentTrainer, ids: Int32Array, reset = Infinity): number[] {
  const V = t.spec.outputs;
  const theta = t.coreParams();
  const out: number[] = [];
  tf.tidy(() => {
    for (let s = 0; s < ids.length - 1; s += reset) {
      const e = Math.min(s + reset, ids.length - 1);
      const xs = Array.from(ids.subarray(s, e), (id) => tf.oneHot([id], V).toFloat());
      const r = refLstm(theta.slice(0, 8), xs, tf.zeros([1, t.spec.hidden]), tf.zeros([1, t.spec.hidden]));
      const z = tf.add(tf.matMul(tf.concat(r.hs, 0) as tf.Tensor2D, theta[8] as tf.Tensor2D), theta[9]).arraySync() as number[][];
      z.forEach((row, k) => {
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
        out.push(row[ids[s + k + 1]] - lse);
      });
    }
  });
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('character-level language model', () => {
  afterEach(() => tf.disposeVariables());

  it('BPC of a tiny text by hand: a zero output layer with bias ln p scores the unigram p', () => {
    // Vocabulary by frequency: a (4), b, c. p = (½, ¼, ¼) whatever the LSTM does.
    const c = corpus('aaaabc', 'abaca', 'x');
    assert.deepEqual(c.vocab.itos, ['a', 'b', 'c', 'x']);
    const t = lmTrainer(4);
    t.output.W.assign(tf.zeros(t.output.W.shape));
    t.output.b!.assign(tf.log(tf.tensor1d([0.5, 0.25, 0.25, 1e-30])));
    // "abaca": predict b, a, c, a: 2 + 1 + 2 + 1 = 6 bits over 4 predictions.
    for (const streams of [1, 2, 4]) {
      const r = evaluateText(t, c.valid, { streams });
      assert.equal(r.count, 4);
      assert.ok(Math.abs(r.bpc - 1.5) < 1e-6, `streams ${streams}: ${r.bpc}`);
      assert.ok(Math.abs(r.nats - 6 * Math.LN2) < 1e-5);
    }
    t.dispose();
  });

  it('the streams of an evaluation cover every prediction once; the state carried across chunks equals one long forward pass', () => {
    assert.deepEqual(streamPieces(10, 3), [
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    assert.deepEqual(streamPieces(2, 5), [
      [0, 1],
      [1, 2],
    ]);
    const rng = new Rng(4);
    const V = 5;
    const ids = Int32Array.from({ length: 23 }, () => rng.int(V));
    const t = lmTrainer(V);
    randomise(t, 9);
    const whole = evaluateText(t, ids, { streams: 1, chunk: 1000, perChar: true });
    const chunked = evaluateText(t, ids, { streams: 1, chunk: 3, perChar: true });
    const ref = refLogProbs(t, ids);
    assert.ok(
      maxDiff(chunked.logProbs!, whole.logProbs!) < 1e-5,
      `chunks of 3 vs one pass: ${maxDiff(chunked.logProbs!, whole.logProbs!)}`,
    );
    assert.ok(maxDiff(whole.logProbs!, ref) < 1e-4, `one pass vs plain ops: ${maxDiff(whole.logProbs!, ref)}`);
    assert.ok(Math.abs(chunked.nats + ref.reduce((a, b) => a + b, 0)) < 1e-3);
    // Not trivially so: resetting the state at every chunk changes the log-likelihoods.
    assert.ok(maxDiff(refLogProbs(t, ids, 3), ref) > 1e-2, 'a reset every 3 steps must differ');
    // Three streams in chunks of 2: each piece is its own long pass from the zero state.
    const three = evaluateText(t, ids, { streams: 3, chunk: 2, perChar: true });
    const pieces = streamPieces(22, 3).flatMap(([s, e]) => refLogProbs(t, ids.slice(s, e + 1)));
    assert.ok(maxDiff(three.logProbs!, pieces) < 1e-4, `3 streams vs plain ops per piece: ${maxDiff(three.logProbs!, pieces)}`);
    t.dispose();
  });

  it("trainCharLm's batches are the stream chunks: one-hot inputs at step t, targets at t + 1; starts at the first chunk and at a restart, ends at the streams' end", () => {
    // 11 symbols, 2 streams of 5: "abcde" | "fghij"; 4 pairs each, chunks of 3: 3, 1, then a restart.
    const c = corpus('abcdefghijk', 'ab', 'ab');
    const V = c.vocab.itos.length;
    const sym = (id: number) => c.vocab.itos[id];
    const decode = (x: tf.Tensor3D) => {
      const [L, B] = x.shape;
      const ids = tf.tidy(() => tf.argMax(x, 2).arraySync() as number[][]);
      return Array.from({ length: B }, (_, b) => Array.from({ length: L }, (_, t) => sym(ids[t][b])).join(''));
    };
    const batches = new CharLmBatches(c.train, 2, 3, V);
    const seen = [0, 1, 2].map(() => {
      const b = batches.next();
      const r = {
        x: decode(b.x),
        y: decode(b.y),
        ones: b.x.sum().dataSync()[0],
        mask: b.mask.sum().dataSync()[0],
        starts: b.starts,
        ends: b.ends,
      };
      disposeSequenceBatch(b);
      return r;
    });
    assert.deepEqual(seen, [
      { x: ['abc', 'fgh'], y: ['bcd', 'ghi'], ones: 6, mask: 6, starts: true, ends: false },
      { x: ['d', 'i'], y: ['e', 'j'], ones: 2, mask: 2, starts: false, ends: true },
      { x: ['abc', 'fgh'], y: ['bcd', 'ghi'], ones: 6, mask: 6, starts: true, ends: false },
    ]);
    assert.equal(batches.chars, 14);
  });

  it('a full-BPTT chunk on the softmax task: every θ gradient equals autodiff of the unrolled cross-entropy', () => {
    const V = 4;
    const B = 3;
    const L = 5;
    const rng = new Rng(8);
    const rows = Array.from({ length: B }, () => Int32Array.from({ length: L + 1 }, () => rng.int(V)));
    const t = lmTrainer(V, { T: L });
    randomise(t, 3, 0.5);
    const batches = new CharLmBatches(Int32Array.from(rows.flatMap((r) => Array.from(r))), B, L, V);
    const bt = batches.next();
    assert.equal(bt.ends, true, 'one chunk per stream: the sequences end (no synthetic gradient)');
    const theta = t.coreParams();
    const ref = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const r = refLstm(theta.slice(0, 8), tf.unstack(bt.x), tf.zeros([B, 6]), tf.zeros([B, 6]));
          const z = tf.add(tf.matMul(tf.concat(r.hs, 0) as tf.Tensor2D, theta[8] as tf.Tensor2D), theta[9]);
          return tf.div(
            tf.sum(tf.losses.softmaxCrossEntropy(tf.reshape(bt.y, [L * B, V]), z as tf.Tensor2D, undefined, 0, tf.Reduction.NONE)),
            B,
          ) as tf.Scalar;
        }),
      theta,
    );
    const recs = t.stepCapture(bt);
    assert.equal(recs.length, 1);
    assertClose(recs[0].loss, ref.value, 1e-5, 'loss');
    theta.forEach((v, i) => assertClose(recs[0].grads[i], ref.grads[v.name], 1e-4, v.name));
    tf.dispose([
      ref.value,
      ...Object.values(ref.grads),
      ...recs.flatMap((r) => [r.loss, ...r.grads, ...[r.initial, r.synthetic].filter((x): x is tf.Tensor => !!x)]),
    ]);
    disposeSequenceBatch(bt);
    t.dispose();
  });

  it('early stopping keeps the best validation checkpoint, not the last: after training, the restored parameters score the recorded best', async () => {
    // Train on strict alternation; validate on alternation with every 10th symbol broken. The
    // model first learns the alternation (validation improves), then grows over-confident and the
    // broken symbols cost more than the others gain: validation gets worse again.
    const broken = (n: number) => Array.from({ length: n }, (_, i) => ((i % 2 === 0) !== (i % 10 === 9) ? 'a' : 'b')).join('');
    const c = corpus('ab'.repeat(200), broken(120), broken(80));
    let kept: Float32Array[] = [];
    let reEval = NaN;
    let testAgain = NaN;
    let sampled = '';
    const generate = [{ prime: 'ab', length: 12, temperature: 1, seed: 3 }];
    const input = {
      trainer: { method: 'dni' as const, T: 2, hidden: 8, synthesizer: { width: 8 }, optimizer: { lr: 0.05 } },
      steps: 60,
      batchSize: 4,
      evalEvery: 3,
      evalStreams: 2,
      generate,
    };
    const run = await trainCharLm(input, c, {
      keep: (t) => {
        kept = snapshotParams(t);
        reEval = evaluateText(t, c.valid, { streams: 2 }).bpc;
        testAgain = evaluateText(t, c.test, { streams: 2 }).bpc;
        sampled = sampleText(t, c.vocab, generate[0]);
        t.dispose();
      },
    });
    const bpcs = run.history.map((r) => r.validBpc);
    const bestAt = bpcs.indexOf(Math.min(...bpcs));
    assert.equal(run.best.step, run.history[bestAt].step);
    assert.ok(
      bestAt > 0 && bestAt < bpcs.length - 1,
      `the best validation must be neither the first nor the last: ${bpcs.map((b) => b.toFixed(3)).join(' ')}`,
    );
    assert.ok(run.final.validBpc > run.best.validBpc + 0.05, 'the last validation is clearly worse');
    assert.ok(Math.abs(reEval - run.best.validBpc) < 1e-6, `restored parameters score ${reEval}, the best was ${run.best.validBpc}`);
    assert.ok(Math.abs(testAgain - run.testBpc) < 1e-6, 'the reported test BPC is the restored checkpoint’s');
    assert.deepEqual(run.generated, [sampled], 'the generated text is the restored checkpoint’s');
    assert.equal(sampled.length, 12);
    assert.equal(kept.length, 10 + 4, 'θ (LSTM 8, output 2) and the synthesizer φ (hidden and output layers, W and b)');
    assert.equal(run.updates, 60);
    // 4 streams of 100 symbols, 99 pairs: a pass is 49 chunks of 2 and one of 1; then 10 chunks of 2.
    assert.equal(run.samples, 4 * (99 + 10 * 2), 'characters consumed: rows × steps read');
    assert.equal(run.history[0].samples, 3 * 4 * 2);
    assert.equal(run.validChars, 119);
    assert.equal(run.testChars, 79);
    // D.2 stops once validation gets worse: with patience 2 the same run ends two validations after its best.
    const short = await trainCharLm({ ...input, patience: 2 }, c);
    assert.deepEqual(
      short.history.map((r) => r.validBpc),
      bpcs.slice(0, bestAt + 3),
    );
    assert.deepEqual(short.best, run.best);
    assert.equal(short.testBpc, run.testBpc);
  });

  it('evalPieceChars: validation and test are read in pieces of one length; a DNI run probes its synthesizer at every validation, BPTT not', async () => {
    const c = corpus('abcab'.repeat(60), 'abcab'.repeat(30), 'abcab'.repeat(24));
    let v = NaN;
    let te = NaN;
    const input = {
      trainer: { method: 'dni' as const, T: 2, hidden: 8, synthesizer: { width: 8 }, optimizer: { lr: 0.05 } },
      steps: 12,
      batchSize: 4,
      evalEvery: 4,
      evalPieceChars: 40,
      probeWindow: 6,
    };
    const run = await trainCharLm(input, c, {
      keep: (t) => {
        // 149 and 119 predictions in pieces of 40: 4 and 3 pieces.
        v = evaluateText(t, c.valid, { streams: 4 }).bpc;
        te = evaluateText(t, c.test, { streams: 3 }).bpc;
        t.dispose();
      },
    });
    assert.ok(Math.abs(v - run.best.validBpc) < 1e-6, `validation in pieces of 40: ${v} vs ${run.best.validBpc}`);
    assert.ok(Math.abs(te - run.testBpc) < 1e-6, `test in pieces of 40: ${te} vs ${run.testBpc}`);
    // Probe pieces of 4T + 6 = 14 steps: boundaries after 2, 4, 6 and 8, each followed by 6 steps.
    assert.ok(run.history.every((h) => h.probe !== null && h.probe.boundaries === 4 && Number.isFinite(h.probe.cosTrue)));
    const bptt = await trainCharLm({ ...input, trainer: { ...input.trainer, method: 'bptt' }, steps: 4 }, c);
    assert.ok(bptt.history.every((h) => h.probe === null));
    // A window the validation split cannot hold is refused before training, naming the field.
    await assert.rejects(
      trainCharLm({ ...input, probeWindow: 200 }, c),
      (e: Error) => e instanceof ConfigError && /probeWindow/.test(e.message),
    );
  });

  it('a char-LM training step leaks no tensors (BPTT, DNI, DNI+Aux), nor does a whole run', async () => {
    const c = corpus('the_cat_sat_on_the_mat_'.repeat(8), 'the_mat_sat_', 'a_cat_');
    const V = c.vocab.itos.length;
    for (const method of ['bptt', 'dni', 'dniAux'] as const) {
      const t = lmTrainer(V, { method, T: 2 });
      const batches = new CharLmBatches(c.train, 3, 4, V);
      const counts: number[] = [];
      for (let i = 0; i < 6; i++) {
        const b = batches.next();
        t.step(b, { stats: i % 2 === 0 });
        disposeSequenceBatch(b);
        counts.push(tf.memory().numTensors);
      }
      // After the first step the carried state (and DNI's pending pass) exists; from then on the count is flat.
      assert.ok(
        counts.slice(1).every((n) => n === counts[1]),
        `${method}: ${counts.join(' ')}`,
      );
      t.dispose();
    }
    const before = tf.memory().numTensors;
    await trainCharLm(
      {
        trainer: { method: 'dniAux', T: 3, hidden: 6, synthesizer: { width: 4 } },
        steps: 7,
        batchSize: 3,
        evalEvery: 3,
        evalStreams: 2,
        probeWindow: 0,
      },
      c,
    );
    assert.equal(tf.memory().numTensors, before, 'the run frees everything');
    const t = lmTrainer(V);
    const before2 = tf.memory().numTensors;
    evaluateText(t, c.valid, { streams: 3, chunk: 2 });
    sampleText(t, c.vocab, { prime: 'the', length: 5, temperature: 1, seed: 0 });
    assert.equal(tf.memory().numTensors, before2, 'evaluation and sampling free everything');
    t.dispose();
  });

  it('sampling is deterministic for a seed, greedy at temperature 0, and draws in proportion to softmax(z/τ)', () => {
    const c = corpus('abcdefgh', 'ab', 'ab');
    const V = c.vocab.itos.length;
    const t = lmTrainer(V);
    randomise(t, 5, 1);
    const s = (temperature: number, seed: number) => sampleText(t, c.vocab, { prime: 'abc', length: 40, temperature, seed });
    assert.equal(s(1, 7), s(1, 7));
    assert.notEqual(s(1, 7), s(1, 8));
    assert.equal(s(1, 7).length, 40);
    const greedy = s(0, 1);
    assert.equal(greedy, s(0, 2), 'greedy ignores the seed');
    // Greedy: every symbol is the argmax of the model's next-symbol distribution (plain ops).
    const text = encode([...`abc${greedy}`], c.vocab, 'sample');
    const theta = t.coreParams();
    const z = tf.tidy(() => {
      const xs = Array.from(text.subarray(0, text.length - 1), (id) => tf.oneHot([id], V).toFloat());
      const r = refLstm(theta.slice(0, 8), xs, tf.zeros([1, 6]), tf.zeros([1, 6]));
      return tf.add(tf.matMul(tf.concat(r.hs, 0) as tf.Tensor2D, theta[8] as tf.Tensor2D), theta[9]).arraySync() as number[][];
    });
    for (let k = 2; k < text.length - 1; k++) assert.equal(text[k + 1], z[k].indexOf(Math.max(...z[k])), `greedy symbol ${k - 2}`);
    // drawSymbol(): frequencies of softmax([ln 1, ln 2, ln 3, ln 4]) = (0.1, 0.2, 0.3, 0.4); at τ = 2, ∝ (1, √2, √3, 2).
    for (const [tau, p] of [
      [1, [0.1, 0.2, 0.3, 0.4]],
      [2, [1, Math.SQRT2, Math.sqrt(3), 2].map((v, _, _a) => v / (1 + Math.SQRT2 + Math.sqrt(3) + 2))],
    ] as const) {
      const rng = new Rng(3);
      const n = 20000;
      const counts = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) counts[drawSymbol([0, Math.log(2), Math.log(3), Math.log(4)], tau, rng)]++;
      counts.forEach((k, j) => assert.ok(Math.abs(k / n - p[j]) < 0.015, `τ = ${tau}, symbol ${j}: ${k / n} vs ${p[j]}`));
    }
    t.dispose();
  });

  it('bad configs name the field', async () => {
    const base = { trainer: { method: 'dni' as const, T: 4 }, steps: 10 };
    const cases: [() => unknown, string][] = [
      [() => charLmSpec({ ...base, trainer: { ...base.trainer, inputs: 10 } }, 50), 'trainer.inputs'],
      [() => charLmSpec({ ...base, trainer: { ...base.trainer, outputs: 49 } }, 50), 'trainer.outputs'],
      [() => charLmSpec({ ...base, trainer: { ...base.trainer, T: 'full' } }, 50), 'trainer.T'],
      [() => charLmSpec({ ...base, trainer: { ...base.trainer, T: 0 } }, 50), 'trainer.T'],
      [() => charLmSpec({ ...base, trainer: { ...base.trainer, hidden: -1 } }, 50), 'trainer.hidden'],
      [() => charLmSpec({ ...base, steps: 0 }, 50), 'steps'],
      [() => charLmSpec({ ...base, batchSize: 2.5 }, 50), 'batchSize'],
      [() => charLmSpec({ ...base, evalEvery: 0 }, 50), 'evalEvery'],
      [() => charLmSpec({ ...base, validChars: -1 }, 50), 'validChars'],
      [() => charLmSpec({ ...base, validChars: 1 }, 50), 'validChars'],
      [() => charLmSpec({ ...base, evalStreams: 0.5 }, 50), 'evalStreams'],
      [() => charLmSpec({ ...base, patience: -1 }, 50), 'patience'],
      [() => charLmSpec({ ...base, generate: {} as any }, 50), 'generate'],
      [() => charLmSpec({ ...base, generate: [{ prime: 'a', length: 5, temperature: -0.5, seed: 0 }] }, 50), 'generate[0].temperature'],
      [() => charLmSpec({ ...base, generate: [{ prime: 'a', length: 5, temperature: 1, seed: 0, top: 3 } as any] }, 50), 'generate[0].top'],
      [() => charLmSpec({ ...base, batch: 4 } as any, 50), 'batch'],
      [() => charLmSpec({ steps: 1 } as any, 50), 'trainer'],
    ];
    for (const [f, field] of cases)
      assert.throws(f, (e: unknown) => e instanceof ConfigError && e.field === field, `expected a ConfigError on ${field}`);
    assert.equal(charLmSpec(base, 50).trainer.inputs, 50);
    const c = corpus('abcabcabc', 'abc', 'abc');
    await assert.rejects(
      trainCharLm({ ...base, validChars: 4, batchSize: 2 }, c),
      (e: unknown) => e instanceof ConfigError && e.field === 'validChars',
    );
    await assert.rejects(
      trainCharLm(
        {
          ...base,
          batchSize: 2,
          generate: [
            { prime: 'ab', length: 1, temperature: 0, seed: 0 },
            { prime: 'a_', length: 1, temperature: 0, seed: 0 },
          ],
        },
        c,
      ),
      (e: unknown) => e instanceof ConfigError && e.field === 'generate[1].prime',
    );
    const t = lmTrainer(3);
    const sample = (o: object) => () => sampleText(t, c.vocab, { prime: 'ab', length: 3, temperature: 1, seed: 0, ...o });
    for (const [o, field] of [
      [{ prime: '' }, 'prime'],
      [{ prime: 'abz' }, 'prime'],
      [{ length: 1.5 }, 'length'],
      [{ temperature: -1 }, 'temperature'],
      [{ seed: 0.5 }, 'seed'],
    ] as const) {
      assert.throws(sample(o), (e: unknown) => e instanceof ConfigError && e.field === field, `expected a ConfigError on ${field}`);
    }
    assert.throws(
      () => sampleText(t, buildVocab([...'abcd']), { prime: 'a', length: 1, temperature: 0, seed: 0 }),
      (e: unknown) => e instanceof ConfigError && e.field === 'vocab',
    );
    t.dispose();
  });

  it('PTB_PRESET: every scale resolves for every method and T, and every cpu deviation has a reason', () => {
    for (const scale of SCALES) {
      const cfg = PTB_PRESET[scale];
      assert.deepEqual(cfg.methods, ['bptt', 'dni', 'dniAux']);
      for (const method of cfg.methods) for (const T of cfg.Ts) charLmSpec({ ...cfg.run, trainer: { ...cfg.run.trainer, method, T } }, 50);
    }
    const p = PTB_PRESET.paper.run;
    assert.deepEqual(
      [p.trainer.hidden, p.trainer.optimizer?.lr, p.batchSize, p.evalEvery, p.validChars, p.patience],
      [1024, 7e-5, 256, 5000, 0, 1],
      'D.2',
    );
    assert.ok(deviations(PTB_PRESET).length > 0);
    assert.throws(() => deviations({ ...PTB_PRESET, why: {} }), /no reason given/);
  });

  it('runCharLm caches a run under its config, with the corpus digest in the fingerprint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-charlm-'));
    const saved = process.env.DNI_RESULTS_DIR;
    process.env.DNI_RESULTS_DIR = dir;
    try {
      const c = corpus('the_cat_sat_on_the_mat_'.repeat(10), 'the_mat_sat_on_the_cat_', 'a_cat_on_a_mat_');
      const input = {
        trainer: { method: 'dni' as const, T: 3, hidden: 6, synthesizer: { width: 4 } },
        steps: 6,
        batchSize: 3,
        evalEvery: 3,
        evalStreams: 2,
        probeWindow: 4, // 4T + 4 = 16 steps of the 23-symbol validation text
      };
      const first = await runCharLm('t', input, { corpus: c, quiet: true });
      assert.equal(fs.readdirSync(dir).length, 1);
      const file = path.join(dir, fs.readdirSync(dir)[0]);
      const stamp = JSON.parse(fs.readFileSync(file, 'utf8')).createdAt;
      const again = await runCharLm('t', input, { corpus: c, quiet: true });
      assert.deepEqual(again, first);
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).createdAt, stamp, 'reused, not recomputed');
      // The same config on other text: the digest differs, so the run is recomputed in place.
      const other = corpus('the_mat_sat_on_the_cat_'.repeat(10), 'the_mat_sat_on_the_cat_', 'a_cat_on_a_mat_');
      assert.notEqual(corpusDigest(other), corpusDigest(c));
      const third = await runCharLm('t', input, { corpus: other, quiet: true });
      assert.notDeepEqual(third.history, first.history);
      assert.notEqual(JSON.parse(fs.readFileSync(file, 'utf8')).createdAt, stamp);
    } finally {
      if (saved === undefined) delete process.env.DNI_RESULTS_DIR;
      else process.env.DNI_RESULTS_DIR = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a smoke-scale run on character-level PTB (skipped without the data): 50 symbols, the whole test split scored', async function () {
    if (!fs.existsSync(path.join(dataDir(), 'ptb', 'ptb.char.test.txt'))) {
      console.log(`    skipped: no ${path.join(dataDir(), 'ptb')}; set DNI_DATA_DIR to the folder that holds ptb/`);
      return this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-charlm-'));
    const saved = process.env.DNI_RESULTS_DIR;
    process.env.DNI_RESULTS_DIR = dir;
    try {
      const cfg = PTB_PRESET.smoke;
      const run = await runCharLm(
        'ptb-smoke',
        { ...cfg.run, trainer: { ...cfg.run.trainer, method: 'dniAux', T: cfg.Ts[0] } },
        { quiet: true },
      );
      assert.equal((await loadPtbChars()).vocab.itos.length, 50);
      assert.equal(run.testChars, 442423 - 1);
      assert.equal(run.validChars, cfg.run.validChars! - 1);
      assert.deepEqual(
        run.history.map((r) => r.step),
        [5, 10],
      );
      assert.ok(run.testBpc > 3 && run.testBpc < Math.log2(50) + 0.5, `test BPC ${run.testBpc}`);
    } finally {
      if (saved === undefined) delete process.env.DNI_RESULTS_DIR;
      else process.env.DNI_RESULTS_DIR = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
