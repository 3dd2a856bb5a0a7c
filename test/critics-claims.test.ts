/**
 * Section A.4's claims (notebook 12) on constructed runs: each criterion's verdicts go the right
 * way, a difference within the run-to-run spread ties, and the cosine claims read every connection.
 * A.4 and the papers it cites give no numbers in our sources, so no criterion is applied to paper
 * numbers here (the section says so).
 */
import { strict as assert } from 'node:assert';
import type { GridConfig, GridRun } from '../lib/experiments/grid';
import type { MethodName } from '../lib/experiments/methods';
import { configure } from '../lib/experiments/section';
import { A4_METHODS, CRITICS_SECTION, criticsClaims, NEAR_BPROP } from '../lib/experiments/sections';
import type { RunResult } from '../lib/runs/loop';
import { ConfigError } from '../lib/core/errors';
import { methodColor } from '../lib/notebook/colors';
import { errorRun } from './assert';

const cfg = { ...configure(CRITICS_SECTION), depths: [3, 4] } as GridConfig;

/** A run ending at `err` % (the last three evaluations err ± jitter), with a per-connection cosine. */
function run(err: number, cosine = 0.5, jitter = 0.1, connections = 2): RunResult {
  const r = errorRun([err + 5, err + jitter, err - jitter, err]);
  r.history.forEach((h) => {
    h.series = { sgCosine: Array(connections).fill(cosine), sgRelError: Array(connections).fill(0.8) };
  });
  return r;
}

function grid(errs: Record<string, number>, cos: Record<string, number> = {}): GridRun[] {
  return cfg.depths.flatMap((depth) =>
    A4_METHODS.map((m) => ({ depth, method: m as MethodName, name: m, run: run(errs[m] ?? 5, cos[m] ?? 0.5, 0.1, depth - 1) })),
  );
}

const verdict = (runs: GridRun[], starts: string) => criticsClaims(cfg, runs).find((c) => c.claim.startsWith(starts))!.verdict;
const base = { bprop: 2, nobprop: 15, dni: 8, cdni: 2.5 };

describe('section A.4 claims', () => {
  it('a critic below No Bprop is shown, above it not shown, within the spread not testable', () => {
    assert.equal(verdict(grid({ ...base, critic: 5 }), 'Critic:'), 'shown');
    assert.equal(verdict(grid({ ...base, critic: 30 }), 'Critic:'), 'not shown');
    assert.equal(verdict(grid({ ...base, critic: 15.05 }), 'Critic:'), 'not testable at this budget');
    assert.equal(verdict(grid({ ...base, ccritic: 3 }), 'cCritic:'), 'shown');
  });

  it(`"about as well as backprop" is within ${NEAR_BPROP} point of Bprop at every depth`, () => {
    assert.equal(verdict(grid({ ...base, fa: 2.5 }), 'FA trains'), 'shown');
    assert.equal(verdict(grid({ ...base, dfa: 4 }), 'DFA trains'), 'not shown');
    assert.equal(verdict(grid({ ...base, kickback: 1.5 }), 'Kickback trains'), 'shown');
    // 1.05 points away, with a spread of 0.2: a tie.
    assert.equal(verdict(grid({ ...base, fa: 3.05 }), 'FA trains'), 'not testable at this budget');
  });

  it('the 90° claims need a positive cosine at every connection and depth', () => {
    assert.equal(verdict(grid(base, { fa: 0.3 }), "FA's feedback"), 'shown');
    assert.equal(verdict(grid(base, { dfa: -0.2 }), "DFA's feedback"), 'not shown');
    const claim = criticsClaims(cfg, grid(base, { fa: 0.3 })).find((c) => c.claim.startsWith("FA's feedback"))!;
    // Two connections at 3 layers, three at 4.
    assert.equal(claim.tests!.length, 5);
    const none = grid(base).map((r) => ({ ...r, run: { ...r.run, history: r.run.history.map((h) => ({ ...h, series: {} })) } }));
    assert.equal(verdict(none, "FA's feedback"), 'not testable at this budget');
  });

  it('a grid without a method leaves its claims out; a bad field of the config is named', () => {
    const c = { ...cfg, methods: ['bprop', 'nobprop', 'fa'] as MethodName[] };
    const claims = criticsClaims(c, grid(base));
    assert.deepEqual(
      claims.map((x) => x.claim.split(' ')[0]),
      ['FA', "FA's"],
    );
    assert.throws(
      () => configure(CRITICS_SECTION, { 'methodSynthesizers.critic': { valueTarget: 'sometimes' } }),
      (e: unknown) => e instanceof ConfigError && /valueTarget/.test(e.field),
    );
    assert.throws(
      () => configure(CRITICS_SECTION, { methods: ['critics'] }),
      (e: unknown) => e instanceof ConfigError && e.field === 'methods[0]',
    );
  });

  it('every method of the notebook has its own colour', () => {
    const colours = A4_METHODS.map(methodColor);
    assert.equal(new Set(colours).size, A4_METHODS.length, colours.join(' '));
  });
});
