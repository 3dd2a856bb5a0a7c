/**
 * Section D.3 as an experiment (lib/experiments/sections/two-clocks*.ts): the claims' verdicts on
 * runs made up here (each way, and a tie from a wide spread), bad config fields named, and the
 * smoke-scale section trained, cached and reused.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../lib/core/errors';
import { atSmokeScale } from './assert';
import { configure } from '../lib/experiments/section';
import { TWO_CLOCKS_SECTION } from '../lib/experiments/sections/two-clocks';
import { twoClocksAccuracyFigure, twoClocksSyntheticGradientFigure, twoClocksRows } from '../lib/notebook/two-clocks-figures';
import type { TwoClocksCell } from '../lib/experiments/sections/two-clocks-readings';
import type { TwoClocksRecord } from '../lib/runs/train-two-clocks';
import type { TwoClocksMethod } from '../lib/trainers/two-clocks-spec';

/** A run whose accuracies are `b` for B (and 0.5 for A) at its last evaluations, with an optional wobble. */
function cell(method: TwoClocksMethod, b: number, wobble = 0): TwoClocksCell {
  const rec = (step: number, v: number): TwoClocksRecord => ({
    step,
    sequences: step * 64,
    accA: 0.5,
    accB: v,
    lossA: 1,
    lossB: 1,
    trainLossA: 1,
    trainLossB: 1,
    sgCosine: method === 'dni' && step > 0 ? 0.3 : Number.NaN,
    sgLoss: Number.NaN,
    sgNormRatio: method === 'dni' && step > 0 ? 2 : Number.NaN,
  });
  return { method, seed: 1, run: { history: [rec(0, 0.5), rec(100, b - wobble), rec(200, b + wobble), rec(300, b)], msPerStep: 1 } };
}

const verdicts = (cells: TwoClocksCell[]) => TWO_CLOCKS_SECTION.claims(configure(TWO_CLOCKS_SECTION), cells).map((c) => c.verdict);

describe('Section D.3: claims, config, cached runs', () => {
  it('the claims go each way on made-up runs, relative to full backprop', () => {
    // DNI close to backprop, no gradient far below: both shown; the update lock is not measured.
    assert.deepEqual(verdicts([cell('dni', 0.88), cell('bprop', 0.9), cell('nograd', 0.6)]), [
      'shown',
      'shown',
      'not testable at this budget',
    ]);
    // DNI no better than no gradient: the second claim is not shown.
    assert.deepEqual(verdicts([cell('dni', 0.6), cell('bprop', 0.9), cell('nograd', 0.61)]).slice(0, 2), ['shown', 'not shown']);
    // DNI above no gradient but short of halfway to backprop: not shown.
    assert.deepEqual(verdicts([cell('dni', 0.7), cell('bprop', 0.9), cell('nograd', 0.6)])[1], 'not shown');
    // No gradient as good as backprop: the first claim is not shown.
    assert.equal(verdicts([cell('dni', 0.9), cell('bprop', 0.9), cell('nograd', 0.95)])[0], 'not shown');
    // Differences inside the spread of the last evaluations are ties.
    assert.deepEqual(verdicts([cell('dni', 0.7, 0.2), cell('bprop', 0.75, 0.2), cell('nograd', 0.7, 0.2)]).slice(0, 2), [
      'not testable at this budget',
      'not testable at this budget',
    ]);
  });

  it('the summary sentence prints both tasks’ accuracies for the three methods and the SG cosine', () => {
    const cells = [cell('dni', 0.88), cell('bprop', 0.9), cell('nograd', 0.6)];
    const s = TWO_CLOCKS_SECTION.summary(
      configure(TWO_CLOCKS_SECTION),
      cells,
      TWO_CLOCKS_SECTION.claims(configure(TWO_CLOCKS_SECTION), cells),
    );
    assert.match(s, /DNI 50\.0% \/ 88\.0%/);
    assert.match(s, /No gradient from B 50\.0% \/ 60\.0%/);
    assert.match(s, /cosine .* was 0\.300, and its norm as consumed 2\.00 times/);
    assert.match(s, /2 of 3 claims/);
  });

  it('the figures and the table are built from the runs: both tasks per method, the cosine where it was measured', () => {
    const cfg = configure(TWO_CLOCKS_SECTION);
    const cells = [cell('dni', 0.88), cell('bprop', 0.9), cell('nograd', 0.6)];
    const acc = twoClocksAccuracyFigure(cfg, cells);
    assert.equal(acc.data.length, 6);
    assert.deepEqual((acc.data[4] as { y: number[] }).y, [0.5, 0.9, 0.9, 0.9]); // B's panel, full backprop
    // As read back from the cache, where NaN is null: step 0 has no cosine yet, and no point.
    const sg = twoClocksSyntheticGradientFigure(cfg, JSON.parse(JSON.stringify(cells)));
    assert.deepEqual((sg.data[0] as { x: number[] }).x, [6400, 12800, 19200]);
    assert.deepEqual((sg.data[1] as { y: number[] }).y, [2, 2, 2]);
    const rows = twoClocksRows(cfg, cells);
    assert.equal(rows.length, 8);
    assert.equal(rows.find((r) => r.method === 'DNI' && r.task === 'B: 3s')?.ours, '88.0%');
  });

  it('a bad field is refused, naming it', () => {
    const refused = (changes: Record<string, unknown>, field: string) =>
      assert.throws(
        () => configure(TWO_CLOCKS_SECTION, changes),
        (e: unknown) => e instanceof ConfigError && e.field === field,
        field,
      );
    refused({ 'run.trainer.data.bPeriod': 0 }, 'run.trainer.data.bPeriod');
    refused({ 'run.trainer.synthesizer.scale': -1 }, 'run.trainer.synthesizer.scale');
    refused({ 'run.batchSize': 1 }, 'run.batchSize');
    refused({ seeds: [] }, 'seeds');
    refused({ seeds: [1, 1] }, 'seeds');
    assert.throws(() => configure(TWO_CLOCKS_SECTION, { 'run.trainer.clock': 2 }), /clock/);
    // An ablation that names a real field resolves.
    assert.equal(configure(TWO_CLOCKS_SECTION, { 'run.trainer.synthesizer.scale': 1 }).run.trainer.synthesizer.scale, 1);
  });

  it('at smoke scale, the section trains its three runs, stores them and reuses them', async function () {
    this.timeout(300_000);
    await atSmokeScale('dni-d3-', async (dir) => {
      const cfg = configure(TWO_CLOCKS_SECTION);
      const before = tf.memory().numTensors;
      const first = await TWO_CLOCKS_SECTION.run(cfg);
      assert.deepEqual(
        first.map((c) => c.method),
        ['dni', 'bprop', 'nograd'],
      );
      assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.json')).length, 3);
      const again = await TWO_CLOCKS_SECTION.run(cfg);
      assert.deepEqual(again, first);
      tf.disposeVariables();
      assert.equal(tf.memory().numTensors, before);
      const claims = TWO_CLOCKS_SECTION.claims(cfg, first);
      assert.equal(claims.length, 3);
      assert.ok(Number.isFinite(first[0].run.history[1].sgCosine));
    });
  });
});
