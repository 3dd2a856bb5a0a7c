/**
 * Claims whose comparisons could be flipped unnoticed: copyClaims (Copy and Repeat Copy, main
 * text) and the tie rule of Table 2's "beats" claims (errors are discrete, so ties happen).
 */
import { strict as assert } from 'node:assert';
import { gridConfig, type GridRun } from '../lib/experiments/grid';
import { methodLabel, type MethodName } from '../lib/experiments/methods';
import { type CopyCell, copyClaims } from '../lib/experiments/sections/copy-repeat-copy';
import * as sections from '../lib/experiments/sections';
import { configure } from '../lib/experiments/section';
import { TABLE2_PRESETS } from '../lib/experiments/sections/table2';
import { table2Claims } from '../lib/experiments/sections/table2-claims';
import { copyRun, errorRun as run } from './assert';

const cells = (bptt: number[], dni: number[]): CopyCell[] => [
  { kind: 'copy', method: 'bptt', T: 2, seed: 0, run: copyRun(bptt) },
  { kind: 'copy', method: 'dni', T: 2, seed: 0, run: copyRun(dni) },
];
const verdict = (claims: ReturnType<typeof copyClaims>, part: RegExp) => claims.find((c) => part.test(c.claim))!.verdict;

describe('claims that could be flipped', () => {
  it('copyClaims with 2 seeds: cells are means over seeds, and seeds that disagree make a tie', () => {
    const two = (bptt: number[][], dni: number[][]): CopyCell[] =>
      [0, 1].flatMap((seed) => [
        { kind: 'copy' as const, method: 'bptt' as const, T: 2, seed, run: copyRun(bptt[seed]) },
        { kind: 'copy' as const, method: 'dni' as const, T: 2, seed, run: copyRun(dni[seed]) },
      ]);
    const flat = [1, 1, 1, 1, 1, 1, 1, 1];
    // DNI reaches 4 and 1 (mean 2.5 ≥ 2·1) but its seeds differ by 3: the doubling is within the spread.
    const split = copyClaims(two([flat, flat], [[1, 2, 3, 4, 4, 4, 4, 4], flat]));
    assert.equal(verdict(split, /doubles/), 'not testable at this budget');
    assert.match(split[0].evidence, /T = 2: DNI 4\/1, BPTT 1\/1/);
    const both = copyClaims(
      two(
        [flat, flat],
        [
          [1, 2, 3, 3, 3, 3, 3, 3],
          [1, 2, 3, 3, 3, 3, 3, 3],
        ],
      ),
    );
    assert.equal(verdict(both, /doubles/), 'shown');
    // DNI+Aux is judged against the same BPTT runs, in claims of its own (Figure 17, right).
    const aux = [0, 1].map((seed) => ({ kind: 'copy' as const, method: 'dniAux' as const, T: 2, seed, run: copyRun(flat) }));
    const withAux = copyClaims([
      ...(both.length
        ? two(
            [flat, flat],
            [
              [1, 2, 3, 3, 3, 3, 3, 3],
              [1, 2, 3, 3, 3, 3, 3, 3],
            ],
          )
        : []),
      ...aux,
    ]);
    assert.deepEqual(
      withAux.map((c) => [c.claim.match(/DNI\+Aux|DNI/)![0], c.verdict]),
      [
        ['DNI', 'shown'],
        // Both reach dependency 1 at the first check: a tie.
        ['DNI', 'not testable at this budget'],
        ['DNI+Aux', 'not shown'],
        ['DNI+Aux', 'not testable at this budget'],
      ],
    );
  });

  it('fixed-level Copy: DNI below BPTT beyond the seed spread is shown, above it not shown, within it a tie; the shuffled control is judged against its twin', () => {
    const { FIXED_COPY_SECTION: S, FIXED_COPY_METHODS: M } = sections;
    const cfg = configure(S);
    const withBits = (bits: number) => {
      const r = copyRun([0, 0, 0, 0]);
      r.history.forEach((h) => {
        h.bits = bits;
      });
      return r;
    };
    const runs = (bitsOf: Record<string, [number, number]>) =>
      M.filter((m) => m.name in bitsOf).flatMap((method) =>
        [0, 1].map((seed) => ({ method, seed, run: withBits(bitsOf[method.name][seed]) })),
      );
    const verdicts = (bitsOf: Record<string, [number, number]>) => S.claims(cfg, runs(bitsOf)).map((c) => c.verdict);
    assert.deepEqual(verdicts({ BPTT: [18, 19], 'DNI (chosen)': [3, 4] }), ['shown']);
    assert.deepEqual(verdicts({ BPTT: [3, 4], 'DNI (chosen)': [18, 19] }), ['not shown']);
    // A 1-bit lead inside a 5-bit seed spread ties.
    assert.deepEqual(verdicts({ BPTT: [10, 15], 'DNI (chosen)': [9, 14] }), ['not testable at this budget']);
    const control = S.claims(cfg, runs({ BPTT: [18, 19], 'DNI (chosen)': [3, 4], 'Control: DNI (chosen), SG rows shuffled': [8, 9] }));
    assert.equal(control.length, 2);
    assert.match(control[1].claim, /^DNI \(chosen\): its gain needs/);
    assert.equal(control[1].verdict, 'shown');
  });

  it('copyClaims: DNI doubling the dependency, and learning with fewer samples, judged in the right direction', () => {
    // BPTT plateaus at 2 from the 4th check; DNI reaches 2 at the 2nd and 4 at the 5th.
    const bptt = [0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2];
    const dni = [1, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4];
    const shown = copyClaims(cells(bptt, dni));
    assert.equal(shown.length, 2);
    assert.equal(verdict(shown, /doubles/), 'shown');
    assert.equal(verdict(shown, /fewer samples/), 'shown');
    assert.match(shown[1].evidence, /dependency 2: DNI after 200 sequences, BPTT after 400/);
    // The methods swapped: DNI needs more samples and does not double.
    const swapped = copyClaims(cells(dni, bptt));
    assert.equal(verdict(swapped, /doubles/), 'not shown');
    assert.equal(verdict(swapped, /fewer samples/), 'not shown');
    // The same number of sequences is not fewer: a tie within one check interval, not testable.
    const same = copyClaims(cells([0, 2, 2, 2, 2, 2, 2, 2], [0, 2, 2, 2, 2, 2, 2, 4]));
    assert.equal(verdict(same, /fewer samples/), 'not testable at this budget');
    // BPTT still rising in the last quarter: its limit is unknown.
    assert.equal(verdict(copyClaims(cells([0, 0, 0, 0, 0, 0, 1, 2], [0, 4, 4, 4, 4, 4, 4, 4])), /doubles/), 'not testable at this budget');
    // Neither solved a level: nothing to compare.
    const none = copyClaims(cells([0, 0, 0, 0], [0, 0, 0, 0]));
    assert.deepEqual(
      none.map((c) => c.verdict),
      ['not testable at this budget', 'not testable at this budget'],
    );
  });

  it('the tie rule: DNI and No Bprop at equal errors, with no spread between evaluations, is "not shown" for "DNI beats No Bprop"', () => {
    const grid = (errors: Record<string, number>): GridRun[] =>
      Object.entries(errors).map(([method, e]) => ({
        depth: 3,
        method: method as MethodName,
        name: methodLabel(method),
        run: run([e, e, e]),
      }));
    const cfg = gridConfig({ ...TABLE2_PRESETS.mnistFcn.smoke, depths: [3] });
    // With a spread (a run still moving by 0.5 between its last evaluations) the same tie is not testable.
    const moving: GridRun[] = grid({ nobprop: 9.87, bprop: 2, cdni: 3 }).concat([
      { depth: 3, method: 'dni', name: methodLabel('dni'), run: run([9.37, 10.37, 9.87]) },
    ]);
    assert.equal(table2Claims(cfg, moving).find((c) => /DNI beats No Bprop/.test(c.claim))!.verdict, 'not testable at this budget');
    const beats = (errors: Record<string, number>, claim: string) =>
      table2Claims(cfg, grid(errors)).find((c) => c.claim === claim)!.verdict;
    // Errors in steps of 1/10000 (a 10k test set), each run flat over its last evaluations (spread 0):
    // 9.87% against 9.87% is no win; one example fewer is.
    const DNI_BEATS = 'DNI beats No Bprop: it works (section C, Table 2)';
    assert.equal(beats({ nobprop: 9.87, bprop: 2, dni: 9.87, cdni: 3 }, DNI_BEATS), 'not shown');
    assert.equal(beats({ nobprop: 9.87, bprop: 2, dni: 9.86, cdni: 3 }, DNI_BEATS), 'shown');
  });
});
