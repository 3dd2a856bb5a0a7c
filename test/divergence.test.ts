/**
 * Runs that diverge stop with the step and the quantity (issue: a diverging run used to finish and
 * be stored as a normal result): the feed-forward classifier, Copy and the character-level LM.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DivergenceError } from '../lib/core/errors';
import { Rng } from '../lib/core/rng';
import type { Dataset } from '../lib/data/dataset';
import { buildVocab, encode } from '../lib/data/ptb';
import { mnistFcn } from '../lib/networks/build';
import { gridConfig } from '../lib/experiments/grid';
import { bestRun, lastMean } from '../lib/experiments/results';
import { TABLE2_PRESETS } from '../lib/experiments/sections/table2';
import { runVariants } from '../lib/experiments/variants';
import { figureSummary, sweepFigure } from '../lib/notebook/figures';
import { errorCurves, studyRows } from '../lib/notebook/grid';
import { drawSymbol } from '../lib/runs/char-lm/sample';
import { runLoop } from '../lib/runs/loop';
import { trainCharLm } from '../lib/runs/train-char-lm';
import { train } from '../lib/runs/train-classifier';
import { trainCopy } from '../lib/runs/train-copy';
import type { Trainer } from '../lib/trainers/trainer';

function toyData(n: number, scale = 1): Dataset {
  const rng = new Rng(3);
  return {
    name: 'toy',
    x: Float32Array.from({ length: n * 784 }, () => scale * rng.uniform()),
    y: Int32Array.from({ length: n }, () => rng.int(10)),
    n,
    shape: [784],
    numClasses: 10,
  };
}

const diverged = (e: unknown) => e instanceof DivergenceError && /^diverged at step \d+: \w+/.test(e.message);

/** A trainer whose loss and statistics follow a script (no tensors). */
function scripted(losses: number[], series: (step: number) => Record<string, number[]> = () => ({})): Trainer<number> {
  let steps = 0;
  return {
    get steps() {
      return steps;
    },
    step: () => {
      steps++;
      return { loss: losses[steps - 1], error: 0, series: series(steps) };
    },
    evaluate: () => ({ n: 1, loss: 1, errors: 0 }),
    dispose: () => {},
  };
}
const feed = { next: () => 0, release: () => {}, test: () => ({ loss: 1, error: 0 }), trainError: () => NaN };

describe('divergence', () => {
  afterEach(() => tf.disposeVariables());

  it('the run loop stops on a non-finite loss or statistic, or a loss past 100× its first value and chance, naming step and quantity', async () => {
    await assert.rejects(
      runLoop(scripted([2, 2, Infinity, 2]), feed, { steps: 4, evalEvery: 4 }),
      /diverged at step 3: trainLoss = Infinity/,
    );
    await assert.rejects(
      runLoop(scripted([2, 2, 250, 2]), feed, { steps: 4, evalEvery: 4, chance: () => 3 }),
      /diverged at step 3: trainLoss = 250/,
    );
    // Below chance, growth alone is no divergence (a first loss near 0 is possible).
    await runLoop(scripted([0.01, 2, 2, 2]), feed, { steps: 4, evalEvery: 4, chance: () => 3 });
    const inf = (s: number) => ({ sgLoss: s === 2 ? [1, -Infinity] : [1, NaN] });
    await assert.rejects(
      runLoop(scripted([2, 2, 2, 2], inf), feed, { steps: 4, evalEvery: 4 }),
      /diverged at step 2: series.sgLoss\[1\] = -Infinity/,
    );
    // NaN in a statistic means "not measured": no divergence.
    await runLoop(
      scripted([2, 2, 2, 2], () => ({ sgLoss: [NaN] })),
      feed,
      { steps: 4, evalEvery: 4 },
    );
    const badTest = { ...feed, test: () => ({ loss: NaN, error: 0 }) };
    await assert.rejects(runLoop(scripted([2, 2, 2, 2]), badTest, { steps: 4, evalEvery: 2 }), /diverged at step 2: testLoss = NaN/);
  });

  it('a feed-forward run with Adam at lr 1e3, or a NaN in a test image, stops with the step and quantity', async () => {
    const data = { train: toyData(64), test: toyData(32) };
    const run = { steps: 60, batchSize: 16, evalEvery: 20, trainEvalExamples: 0 };
    const trainer = { network: mnistFcn(3, 16), lambda: [1, 1], optimizer: { lr: 1e3 } };
    await assert.rejects(train({ ...run, trainer }, data), /diverged at step \d+: trainLoss = /);
    await assert.rejects(train({ ...run, trainer: { ...trainer, lambda: [0, 0] } }, data), diverged);
    const test = toyData(32);
    test.x[5] = NaN;
    await assert.rejects(
      train({ ...run, trainer: { ...trainer, optimizer: { lr: 1e-3 } } }, { train: data.train, test }),
      /diverged at step 20: testLoss = NaN/,
    );
  });

  it('a Copy run at lr 1e3 stops with the step and quantity', async () => {
    await assert.rejects(
      trainCopy({
        trainer: { method: 'dni', T: 2, hidden: 16, optimizer: { lr: 1e3 } },
        curriculum: { kind: 'copy' },
        steps: 200,
        batchSize: 8,
        evalEvery: 20,
      }),
      diverged,
    );
  });

  it('a character-level LM at lr 1e3 stops with the step and quantity; drawSymbol refuses non-finite logits', async () => {
    const text = 'the_cat_sat_on_the_mat_and_the_dog_sat_on_the_log_'.repeat(8);
    const vocab = buildVocab([...text]);
    const enc = (s: string) => encode([...s], vocab, 'test');
    const corpus = { train: enc(text), valid: enc(text.slice(0, 100)), test: enc(text.slice(0, 100)), vocab };
    await assert.rejects(
      trainCharLm(
        { trainer: { method: 'dni', T: 4, hidden: 16, optimizer: { lr: 1e3 } }, steps: 200, batchSize: 4, evalEvery: 20 },
        corpus,
      ),
      diverged,
    );
    assert.throws(() => drawSymbol([0, NaN, 1], 1, new Rng(1)), /logit 1 is NaN/);
    assert.throws(() => drawSymbol([0, Infinity], 0, new Rng(1)), /logit 1 is Infinity/);
  });

  it('a learning-rate sweep stores a diverged variant marked diverged, and tables and figures show it as such, never as a number', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-diverged-'));
    const saved = process.env.DNI_RESULTS_DIR;
    process.env.DNI_RESULTS_DIR = dir;
    try {
      const cfg = gridConfig({ ...TABLE2_PRESETS.mnistFcn.smoke, depths: [3], methods: ['bprop'], width: 16 });
      const variants = [
        { name: 'lr 3e-4', changes: {} },
        { name: 'lr 1e3', changes: { 'trainer.optimizer.lr': 1e3 } },
      ];
      const runs = await runVariants(cfg, 3, 'bprop', variants, 'sweep');
      const [ok, bad] = runs;
      assert.equal(ok.run.diverged, undefined);
      assert.equal(bad.run.diverged?.quantity, 'trainLoss');
      assert.ok(Number.isNaN(lastMean(bad.run)), 'no number');
      assert.equal(bestRun(runs), ok);
      const stored = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).result);
      assert.equal(stored.filter((r) => r.diverged).length, 1, 'stored, marked diverged');
      // Reused from the cache, still marked.
      const again = await runVariants(cfg, 3, 'bprop', variants, 'sweep');
      assert.deepEqual(again[1].run.diverged, bad.run.diverged);
      const rows = studyRows(runs, 'b');
      assert.equal(typeof rows[0].ours, 'number');
      assert.match(String(rows[1].ours), /^diverged at step \d+ \(trainLoss = /);
      assert.equal(rows[1]['train err'], 'diverged');
      const curves = errorCurves(runs, { title: 't' });
      assert.match(String(curves.data[1].name), /lr 1e3 \(diverged at step/);
      const sweep = sweepFigure({
        title: 't',
        xTitle: 'lr',
        yTitle: 'e',
        x: ['3e-4', '1e3'],
        series: [{ name: 'Bprop', y: runs.map((r) => lastMean(r.run)) }],
      });
      assert.match(JSON.stringify(sweep.layout), /no number \(diverged\): Bprop at 1e3/);
      assert.match(figureSummary(sweep), /no number \(diverged\): Bprop at 1e3/);
    } finally {
      if (saved === undefined) delete process.env.DNI_RESULTS_DIR;
      else process.env.DNI_RESULTS_DIR = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
