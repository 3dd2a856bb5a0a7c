/**
 * Section B's claims on constructed runs (no training): the verdicts each criterion should give,
 * seeds that disagree making a tie, the readings (last measurements, drift phase, best lag), and
 * a config whose bad fields are refused by name.
 *
 *   npx mocha test/sufficiency-claims.test.ts
 */
import { strict as assert } from 'node:assert';
import type { SufficiencyRecord } from '../lib/runs/train-sufficiency';
import { configure } from '../lib/experiments/section';
import { SUFFICIENCY_SECTION, sufficiencySpec } from '../lib/experiments/sections/sufficiency';
import { lagsText, sufficiencyClaims, sufficiencySentence } from '../lib/experiments/sections/sufficiency-claims';
import {
  bestLag,
  finalReading,
  type SufficiencyCell,
  type SufficiencyKind,
  trackingReading,
} from '../lib/experiments/sections/sufficiency-readings';

const cfg = configure(SUFFICIENCY_SECTION);
const V = 0.2;

/** A record: the irreducible variance V, ‖E[g|h]‖² 0.1, and the given errors. */
function rec(step: number, o: Partial<SufficiencyRecord>): SufficiencyRecord {
  return {
    step,
    expectedError: 0.001,
    sampleError: V,
    variance: V,
    floorError: V,
    expectedNorm: 0.1,
    cosine: 0.99,
    trainError: V,
    lagErrors: [],
    stoppedError: Number.NaN,
    ...o,
  };
}

/** A run of a kind and seed whose last three measurements (past the warmup, for a moving top) are `o`. */
function cell(kind: SufficiencyKind, seed: number, o: Partial<SufficiencyRecord>): SufficiencyCell {
  const spec = sufficiencySpec(cfg, kind, seed);
  const w = kind === 'drift' ? spec.drift.warmup : 0;
  const start = rec(0, { expectedError: 0.1, sampleError: 0.3 });
  return { kind, seed, run: { spec, msPerStep: 1, history: [start, ...[1, 2, 3].map((i) => rec(w + 100 * i, o))] } };
}

/** Two seeds of every kind; each kind's numbers per seed. */
function cells(o: Partial<Record<SufficiencyKind, Partial<SufficiencyRecord>[]>> = {}): SufficiencyCell[] {
  const base: Record<SufficiencyKind, Partial<SufficiencyRecord>> = {
    dni: { expectedError: 0.002, sampleError: 1.01 * V },
    cdni: { expectedError: V, sampleError: 0.002 },
    drift: { expectedError: 0.003, stoppedError: 0.15, lagErrors: [0.0035, 0.003, 0.00312, 0.004, 0.02, 0.03, 0.05, 0.1] },
  };
  return (['dni', 'cdni', 'drift'] as const).flatMap((k) => [1, 2].map((seed, i) => cell(k, seed, o[k]?.[i] ?? base[k])));
}

const verdicts = (cs: SufficiencyCell[]) => sufficiencyClaims(cs).map((c) => c.verdict);

describe('section B claims, on constructed runs', () => {
  it('runs that behave as section B says: every claim shown', () => {
    assert.deepEqual(verdicts(cells()), ['shown', 'shown', 'shown', 'shown']);
  });

  it('M(h) far from the expectation (half the variance): the first claim is not shown', () => {
    const far = { expectedError: 0.1, sampleError: 1.5 * V };
    assert.equal(verdicts(cells({ dni: [far, far] }))[0], 'not shown');
  });

  it('M(h) below the floor, which no function of h can reach on held-out labels: the second claim is not shown', () => {
    const below = { expectedError: 0.002, sampleError: 0.5 * V };
    assert.equal(verdicts(cells({ dni: [below, below] }))[1], 'not shown');
  });

  it('M(h, y) at the floor of M(h), as if it ignored the label: the third claim is not shown', () => {
    const ignores = { expectedError: 0.002, sampleError: V };
    assert.equal(verdicts(cells({ cdni: [ignores, ignores] }))[2], 'not shown');
  });

  it('with the top moving, M(h) no closer than the stopped copy: the fourth claim is not shown', () => {
    const stuck = { expectedError: 0.15, stoppedError: 0.15, lagErrors: [0.15, 0.15, 0.15, 0.15] };
    assert.equal(verdicts(cells({ drift: [stuck, stuck] }))[3], 'not shown');
  });

  it('seeds that straddle a threshold make a tie: not testable at this budget', () => {
    // error / variance 0.05 and 0.16: mean 0.105 misses the tenth by less than the seeds' range.
    const split = [
      { expectedError: 0.01, sampleError: V },
      { expectedError: 0.032, sampleError: V },
    ];
    assert.equal(verdicts(cells({ dni: split }))[0], 'not testable at this budget');
  });

  it('readings: the last measurements over seeds with their range, the tracking ratio, the lag that fits best', () => {
    const two = cells({
      dni: [
        { expectedError: 0.002, sampleError: V },
        { expectedError: 0.004, sampleError: V },
      ],
    });
    const r = finalReading(two, 'dni', (x) => x.expectedError / x.variance);
    assert.deepEqual(
      r.each.map((v) => Number(v.toFixed(6))),
      [0.01, 0.02],
    );
    assert.ok(Math.abs(r.mean - 0.015) < 1e-12 && Math.abs(r.spread - 0.01) < 1e-12);
    assert.ok(Math.abs(trackingReading(two).mean - 0.02) < 1e-12);
    assert.equal(bestLag(two), cfg.run.lags[1]);
    assert.deepEqual(cfg.run.lags.slice(0, 3), [0, 2, 5]);
    assert.equal(lagsText(two), '2, 5');
    assert.match(
      sufficiencySentence(two, sufficiencyClaims(two)),
      /M\(h\)'s error against the expected gradient fell to 1\.5% of it.*2 steps before \(lags within 5% of its error: 2, 5\); 4 of 4 claims above are shown at this budget\.$/,
    );
  });
});

describe('section B config', () => {
  for (const [changes, field] of [
    [{ 'run.task.classes': 1 }, /run\.task\.classes/],
    [{ 'run.task.teacherScale': 0 }, /run\.task\.teacherScale/],
    [{ 'run.synthesizer.targetUnits': 'batchMean' }, /run\.synthesizer\.targetUnits/],
    [{ 'run.synthesizer.scale': 0.1 }, /run\.synthesizer\.scale/],
    [{ 'run.synthesizer.conditioned': true }, /run\.synthesizer\.conditioned/],
    [{ 'run.drift.warmup': 1e9 }, /run\.drift\.warmup/],
    [{ 'run.drift.period': 0 }, /run\.drift\.period/],
    [{ 'run.batchSize': 1 }, /run\.batchSize/],
    [{ 'run.lags': [0, 2.5] }, /run\.lags\[1\]/],
    [{ 'run.optimizer.lr': -1 }, /run\.optimizer\.lr/],
    [{ seeds: [] }, /'seeds'/],
    [{ seeds: [1, 1] }, /'seeds'/],
    [{ 'run.evalExamples': 0 }, /run\.evalExamples/],
    [{ 'run.drifft': {} }, /run\.drifft.*did you mean 'run\.drift'/],
  ] as const) {
    it(`refuses ${JSON.stringify(changes)}, naming the field`, () => {
      assert.throws(() => configure(SUFFICIENCY_SECTION, changes as Record<string, unknown>), field);
    });
  }

  it('takes an ablation by path', () => {
    const c = configure(SUFFICIENCY_SECTION, { 'run.task.teacherScale': 1, 'run.synthesizer.hiddenLayers': 0 });
    assert.equal(sufficiencySpec(c, 'cdni', 7).task.teacherScale, 1);
    assert.deepEqual(
      [sufficiencySpec(c, 'cdni', 7).synthesizer.conditioned, sufficiencySpec(c, 'dni', 7).synthesizer.conditioned],
      [true, false],
    );
    assert.deepEqual([sufficiencySpec(c, 'drift', 7).topMotion, sufficiencySpec(c, 'cdni', 7).seed], ['drift', 7]);
  });
});
