/**
 * The tie rule (lib/experiments/tie-rule.ts): one reading of "shown", "not shown" and "not testable
 * at this budget" for every section, and the spreads it reads from the runs.
 */
import { strict as assert } from 'node:assert';
import type { GridRun } from '../lib/experiments/grid';
import { cellSpread, lastRange } from '../lib/experiments/results';
import { lean, range, verdictOf } from '../lib/experiments/tie-rule';
import { errorRun as run } from './assert';

describe('tie rule', () => {
  it('a difference smaller than the spread ties; beyond it the sign decides', () => {
    assert.equal(lean({ favour: 0.3, spread: 0.5 }), 'tie');
    assert.equal(lean({ favour: -0.3, spread: 0.5 }), 'tie');
    assert.equal(lean({ favour: 0.5, spread: 0.5 }), 'for');
    assert.equal(lean({ favour: -0.6, spread: 0.5 }), 'against');
    // The paper's single numbers (spread 0): any difference decides; a 0 meets only an inclusive criterion.
    assert.equal(lean({ favour: 0, spread: 0 }), 'against');
    assert.equal(lean({ favour: 0, spread: 0, inclusive: true }), 'for');
    // A number the runs lack cannot decide.
    assert.equal(lean({ favour: Number.NaN, spread: 0 }), 'tie');
    assert.throws(() => lean({ favour: 1, spread: -1 }), /spread -1 must be ≥ 0/);
  });

  it('a claim: shown when every comparison is for it, not shown when any is against, else not testable', () => {
    const forIt = { favour: 2, spread: 1 };
    const tie = { favour: 0.5, spread: 1 };
    const against = { favour: -2, spread: 1 };
    assert.equal(verdictOf([forIt, forIt]), 'shown');
    assert.equal(verdictOf([forIt, tie]), 'not testable at this budget');
    // Consistent evidence against a claim is not a tie, even beside ties (notebook 05's linear synthesizers).
    assert.equal(verdictOf([tie, against]), 'not shown');
    assert.equal(verdictOf([forIt, against]), 'not shown');
    assert.equal(verdictOf([]), 'not testable at this budget');
  });

  it("notebook 05's case: one hidden layer beats linear in 3 of 3 seeds with ranges apart is not shown", () => {
    const linear = [3.31, 3.4, 3.32];
    const oneHidden = [2.72, 2.96, 2.87];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const favour = mean(oneHidden) - mean(linear); // "linear is best": favour > 0 would support it
    assert.equal(verdictOf([{ favour, spread: Math.max(range(linear), range(oneHidden)) }]), 'not shown');
  });

  it('the spread of a cell: its seeds’ range, or one seed’s range over its last three evaluations', () => {
    assert.equal(range([2, 5, 3]), 3);
    assert.equal(range([4]), 0);
    assert.equal(lastRange(run([50, 10, 12, 14])).toFixed(6), '4.000000');
    const cell = (e: number[], seed?: number): GridRun => ({ depth: 3, method: 'dni', name: 'DNI', run: run(e), seed });
    assert.equal(cellSpread([cell([50, 10, 12, 14])], 3, 'dni').toFixed(6), '4.000000');
    // Two seeds: the range of their means of the last three (12 and 13), not of single evaluations.
    assert.equal(cellSpread([cell([50, 10, 12, 14]), cell([50, 13, 13, 13], 2)], 3, 'dni').toFixed(6), '1.000000');
    assert.ok(Number.isNaN(cellSpread([], 3, 'dni')));
  });
});
