/**
 * Section C's qualitative claims about Table 2, and C.1's on underfitting, each judged on a grid
 * by a criterion stated beside it (errors: the mean of the last few evaluations, over seeds).
 */
import type { Claim, Verdict } from '../claim';
import type { GridConfig, GridRun } from '../grid';
import { type MethodName, methodLabel, type Table2Method } from '../methods';
import { TABLE2 } from '../paper';
import { cellError, cellRuns, cellText, LAST_EVALS } from '../results';

/** The paper's qualitative claims about a Table 2 family, each judged by the criterion beside it. */
export function table2Claims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const err = (depth: number, m: string, metric: 'testError' | 'trainError' = 'testError') => cellError(runs, depth, m, metric);
  const depths = [...cfg.depths].sort((a, b) => a - b);
  const [lo, hi] = [depths[0], depths[depths.length - 1]];
  const has = (m: Table2Method) => cfg.methods.includes(m);
  const claims: Claim[] = [];
  const paper = TABLE2[cfg.family];
  const paperGap = (m: Table2Method) => Math.ceil(2 * Math.max(...Object.values(paper).map((row) => Math.abs(row[m] - row.bprop)))) / 2;
  const seeded = runs.some((r) => cellRuns(runs, r.depth, r.method).length > 1);
  const means = `mean of the last ${LAST_EVALS} evaluations${seeded ? '; cells within a point of the call averaged over seeds' : ''}`;
  const vs = (a: Table2Method, b: Table2Method) =>
    depths.map((d) => `${d}L: ${methodLabel(a)} ${cellText(runs, d, a)} vs ${methodLabel(b)} ${cellText(runs, d, b)}`).join('; ');
  // a below b: margin = how far a is below b.
  const below = (da: number, a: Table2Method, db: number, b: Table2Method) => ({
    cells: [
      { depth: da, method: a },
      { depth: db, method: b },
    ],
    margin: err(db, b) - err(da, a),
  });
  const beats = (a: Table2Method, b: Table2Method, claim: string): Claim => {
    const tests = depths.map((d) => below(d, a, d, b));
    return {
      claim,
      criterion: `${methodLabel(a)} test error below ${methodLabel(b)}'s at every depth (${means})`,
      verdict: tests.every((t) => t.margin > 0) ? 'shown' : 'not shown',
      evidence: vs(a, b),
      tests,
    };
  };

  if (has('nobprop')) {
    const tests = depths.flatMap((d) => cfg.methods.filter((m) => m !== 'nobprop').map((m) => below(d, m as Table2Method, d, 'nobprop')));
    if (depths.length > 1) tests.push(below(lo, 'nobprop', hi, 'nobprop'));
    claims.push({
      claim: 'No Bprop is worst and degrades with depth',
      criterion:
        depths.length > 1
          ? `highest error at every depth, and higher at ${hi} than at ${lo} layers (${means})`
          : `highest error (one depth: degradation not tested; ${means})`,
      verdict: tests.every((t) => t.margin > 0) ? 'shown' : 'not shown',
      evidence: depths.map((d) => `${d}L: ${cellText(runs, d, 'nobprop')}`).join(', '),
      tests,
    });
  }
  if (has('dni') && has('nobprop')) claims.push(beats('dni', 'nobprop', 'DNI beats No Bprop'));
  if (has('cdni') && has('dni')) claims.push(beats('cdni', 'dni', 'cDNI beats DNI'));
  // "Close" means within the largest gap the paper itself reports for this family (rounded up to 0.5).
  const closeClaim = (m: Table2Method, claim: string): Claim => {
    const tol = paperGap(m);
    const tests = depths.map((d) => ({
      cells: [
        { depth: d, method: m },
        { depth: d, method: 'bprop' as MethodName },
      ],
      margin: tol - Math.abs(err(d, m) - err(d, 'bprop')),
    }));
    return {
      claim,
      criterion: `|${methodLabel(m)} − Bprop| ≤ ${tol} points at every depth (the paper's largest gap here, rounded up to 0.5; ${means})`,
      verdict: tests.every((t) => t.margin >= 0) ? 'shown' : 'not shown',
      evidence: vs(m, 'bprop'),
      tests,
    };
  };
  if (has('dni') && has('bprop')) {
    if (cfg.family.endsWith('Fcn')) {
      const tests = depths.map((d) => below(d, 'bprop', d, 'dni'));
      if (depths.length > 1) tests.push(below(lo, 'dni', hi, 'dni'));
      claims.push({
        claim: 'DNI trails backprop and degrades with depth (FCNs)',
        criterion:
          depths.length > 1
            ? `DNI error above Bprop at every depth, and higher at ${hi} than at ${lo} layers (${means})`
            : `DNI error above Bprop (one depth: degradation not tested; ${means})`,
        verdict: tests.every((t) => t.margin > 0) ? 'shown' : 'not shown',
        evidence: vs('dni', 'bprop'),
        tests,
      });
    } else {
      claims.push(closeClaim('dni', 'CNN DNI is close to backprop'));
    }
  }
  if (has('cdni') && has('bprop')) claims.push(closeClaim('cdni', 'cDNI is close to backprop'));
  return claims;
}

/** Backprop's own generalisation gap (test − training error, points) below which C.1's claims cannot be told apart. */
export const MIN_GENERALISATION_GAP = 1;

/**
 * Underfitting (paper C.1): is DNI's test-error gap to backprop matched by a training-error gap,
 * and does cDNI fit the training set better than DNI? Before backprop itself generalises worse
 * than it fits, every method's training gap equals its test gap and neither claim can be
 * separated: "not testable at this budget".
 */
export function underfittingClaims(runs: GridRun[], depths: number[]): Claim[] {
  const e = (d: number, m: Table2Method, metric: 'testError' | 'trainError') => cellError(runs, d, m, metric);
  const bpGaps = depths.map((d) => e(d, 'bprop', 'testError') - e(d, 'bprop', 'trainError'));
  const testable = bpGaps.every((g) => g >= MIN_GENERALISATION_GAP);
  const why = `Bprop's test − training error is ${bpGaps.map((g) => g.toFixed(2)).join(' / ')} points at ${depths.join(' / ')} layers`;
  const parts: string[] = [];
  let shown = true;
  for (const d of depths) {
    const testGap = e(d, 'dni', 'testError') - e(d, 'bprop', 'testError');
    const trainGap = e(d, 'dni', 'trainError') - e(d, 'bprop', 'trainError');
    parts.push(`${d}L: train gap ${trainGap.toFixed(2)}, test gap ${testGap.toFixed(2)} points`);
    if (!(testGap > 0 && trainGap >= 0.5 * testGap)) shown = false;
  }
  const verdict = (ok: boolean): Verdict => (!testable ? 'not testable at this budget' : ok ? 'shown' : 'not shown');
  const gate = `testable only once Bprop's test error exceeds its training error by ${MIN_GENERALISATION_GAP} point at every depth (${why})`;
  return [
    {
      claim: "DNI's gap to backprop is underfitting (high training error), not poor generalisation",
      criterion: `at every depth DNI trails Bprop on test, and its training-error gap is at least half the test-error gap; ${gate}`,
      verdict: verdict(shown),
      evidence: parts.join('; '),
    },
    {
      claim: 'cDNI fits the training set better than DNI',
      criterion: `cDNI training error below DNI's at every depth (mean of the last ${LAST_EVALS} evaluations); ${gate}`,
      verdict: verdict(depths.every((d) => e(d, 'cdni', 'trainError') < e(d, 'dni', 'trainError'))),
      evidence: depths
        .map(
          (d) => `${d}L: cDNI ${cellText(runs, d, 'cdni', 'trainError')} vs DNI ${cellText(runs, d, 'dni', 'trainError')} training error`,
        )
        .join('; '),
      tests: depths.map((d) => ({
        cells: [
          { depth: d, method: 'cdni' as MethodName },
          { depth: d, method: 'dni' as MethodName },
        ],
        margin: e(d, 'dni', 'trainError') - e(d, 'cdni', 'trainError'),
      })),
    },
  ];
}
