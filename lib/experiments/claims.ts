/**
 * The paper's qualitative claims about Table 2 (section C) and underfitting (C.1), each judged on
 * our runs by a criterion stated beside it, and the one-sentence summary of a grid. Errors are
 * the mean of the last few evaluations, not one final point, so one noisy evaluation cannot
 * decide a verdict.
 */
import { RunResult } from '../train';
import type { CopyRunResult } from '../train-copy';
import type { CharLmResult } from '../train-lm';
import { FAMILY_DATASETS, FAMILY_NAMES, GridConfig, GridRun } from './grid';
import { MethodName, methodLabel, Table2Method } from './methods';
import { PAPER_BATCH, PAPER_STEPS, TABLE2 } from './paper';

export type Verdict = 'shown' | 'not shown' | 'not testable at this budget';

export interface Claim {
  claim: string;
  criterion: string;
  verdict: Verdict;
  evidence: string;
  /**
   * The comparisons the verdict rests on: the cells compared and how far (points) the measured
   * difference is from the criterion's threshold. closeCells picks the cells of the close ones
   * for more seeds.
   */
  tests?: { cells: Cell[]; margin: number }[];
}

/** One cell of a grid: a depth and a method. */
export interface Cell {
  depth: number;
  method: MethodName;
}

/** A call this close to its threshold (points) is re-run with more seeds (close to one point, the standard we hold). */
export const CLOSE_CALL = 1;

/** Evaluations a verdict averages over. */
export const LAST_EVALS = 3;

/** Mean of a metric (%) over the last `k` evaluations of a run. */
export function lastMean(run: RunResult, metric: 'testError' | 'trainError' = 'testError', k = LAST_EVALS): number {
  const tail = run.history.slice(-k);
  return (100 * tail.reduce((s, r) => s + r[metric], 0)) / tail.length;
}

/** Every run of a cell (one per seed). */
export function cellRuns(runs: GridRun[], depth: number, method: string): GridRun[] {
  return runs.filter((r) => r.depth === depth && r.method === method);
}

/** A cell's error (%): lastMean, averaged over its seeds; NaN when the grid lacks it. */
export function cellError(runs: GridRun[], depth: number, method: string, metric: 'testError' | 'trainError' = 'testError'): number {
  const rs = cellRuns(runs, depth, method);
  return rs.length ? rs.reduce((s, r) => s + lastMean(r.run, metric), 0) / rs.length : NaN;
}

/** "2.57%", or "2.57% (2.50–2.63, 3 seeds)" for a cell run with several seeds. */
export function cellText(runs: GridRun[], depth: number, method: string, metric: 'testError' | 'trainError' = 'testError'): string {
  const rs = cellRuns(runs, depth, method);
  const mean = `${cellError(runs, depth, method, metric).toFixed(2)}%`;
  if (rs.length < 2) return mean;
  const each = rs.map((r) => lastMean(r.run, metric));
  return `${mean} (${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)}, ${rs.length} seeds)`;
}

/** The cells of every comparison within `within` points of its threshold, once each, for more seeds. */
export function closeCells(claims: Claim[], within = CLOSE_CALL): Cell[] {
  const out = new Map<string, Cell>();
  // A claim the budget cannot test is not decided by its comparisons: no seeds for it.
  for (const c of claims) for (const t of c.verdict === 'not testable at this budget' ? [] : c.tests ?? []) if (Math.abs(t.margin) < within) for (const cell of t.cells) out.set(`${cell.depth}/${cell.method}`, cell);
  return [...out.values()];
}

/** Training examples of a family's dataset (epochs = steps × batch / this). */
export const TRAIN_EXAMPLES: Record<'mnist' | 'cifar10', number> = { mnist: 60_000, cifar10: 50_000 };

/** "1k steps, 4.3 epochs" for a grid's budget, and the paper's. */
export function budgetText(cfg: GridConfig, steps = cfg.run.steps): { ours: string; paper: string } {
  const n = TRAIN_EXAMPLES[FAMILY_DATASETS[cfg.family]];
  const ep = (s: number, b: number) => (s * b) / n;
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return {
    ours: `${steps} steps, ${fmt(ep(steps, cfg.run.batchSize ?? 256))} epochs`,
    paper: `${PAPER_STEPS / 1000}k steps, ${fmt(ep(PAPER_STEPS, PAPER_BATCH))} epochs`,
  };
}

/** Share (%) of the No Bprop → Bprop gap a method closes: 100 at Bprop's error, 0 at No Bprop's. */
export function gapClosed(nobprop: number, bprop: number, method: number): number {
  return (100 * (nobprop - method)) / (nobprop - bprop);
}

const pct = (x: number) => `${x.toFixed(2)}%`;

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
  const vs = (a: Table2Method, b: Table2Method) => depths.map((d) => `${d}L: ${methodLabel(a)} ${cellText(runs, d, a)} vs ${methodLabel(b)} ${cellText(runs, d, b)}`).join('; ');
  // a below b: margin = how far a is below b.
  const below = (da: number, a: Table2Method, db: number, b: Table2Method) => ({ cells: [{ depth: da, method: a }, { depth: db, method: b }], margin: err(db, b) - err(da, a) });
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
      criterion: depths.length > 1 ? `highest error at every depth, and higher at ${hi} than at ${lo} layers (${means})` : `highest error (one depth: degradation not tested; ${means})`,
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
    const tests = depths.map((d) => ({ cells: [{ depth: d, method: m }, { depth: d, method: 'bprop' as MethodName }], margin: tol - Math.abs(err(d, m) - err(d, 'bprop')) }));
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
        criterion: depths.length > 1 ? `DNI error above Bprop at every depth, and higher at ${hi} than at ${lo} layers (${means})` : `DNI error above Bprop (one depth: degradation not tested; ${means})`,
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
      evidence: depths.map((d) => `${d}L: cDNI ${cellText(runs, d, 'cdni', 'trainError')} vs DNI ${cellText(runs, d, 'dni', 'trainError')} training error`).join('; '),
      tests: depths.map((d) => ({ cells: [{ depth: d, method: 'cdni' as MethodName }, { depth: d, method: 'dni' as MethodName }], margin: e(d, 'dni', 'trainError') - e(d, 'cdni', 'trainError') })),
    },
  ];
}

/** What a grid measured, in one sentence, printed from the results. */
export function gridSentence(cfg: GridConfig, runs: GridRun[], claims: Claim[]): string {
  const errs = (m: string) => cfg.depths.map((d) => cellError(runs, d, m));
  const range = (m: string) => `${methodLabel(m)} ${Math.min(...errs(m)).toFixed(2)}–${Math.max(...errs(m)).toFixed(2)}%`;
  const b = budgetText(cfg);
  return (
    `At ${b.ours} (the paper: ${b.paper}) and batch ${cfg.run.batchSize ?? 256}, the ${FAMILY_NAMES[cfg.family]}s of ${cfg.depths.join('/')} layers reached ` +
    `${cfg.methods.map(range).join(', ')} test error (mean of the last ${LAST_EVALS} evaluations); ` +
    `${claims.filter((c) => c.verdict === 'shown').length} of ${claims.length} of the paper's claims above are shown at this budget.`
  );
}

/**
 * Figure 11 on a K-layer network (runs of singleDniMethods): a single DNI against the same cut
 * passing no gradient, by position, and DNI / cDNI on every connection up to a position.
 */
export function singleDniClaims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const K = cfg.depths[0];
  const last = K - 1;
  const e = (m: string) => cellError(runs, K, m);
  const t = (m: string) => `${methodLabel(m)} ${cellText(runs, K, m)}`;
  const cell = (m: string): Cell => ({ depth: K, method: m as MethodName });
  const below = (a: string, b: string) => ({ cells: [cell(a), cell(b)], margin: e(b) - e(a) });
  const ps = Array.from({ length: last }, (_, i) => i + 1);
  const means = `mean of the last ${LAST_EVALS} evaluations`;
  const claims: Claim[] = [];
  const beat = ps.map((p) => below(`dni@${p}`, `nobprop@${p}`));
  claims.push({
    claim: 'A single DNI beats cutting the connection (no gradient), at every position (Figure 11a)',
    criterion: `DNI after layer p below No Bprop below layer p + 1, for p = 1..${last} (${means})`,
    verdict: beat.every((x) => x.margin > 0) ? 'shown' : 'not shown',
    evidence: ps.map((p) => `p = ${p}: ${cellText(runs, K, `dni@${p}`)} vs ${cellText(runs, K, `nobprop@${p}`)}`).join('; '),
    tests: beat,
  });
  const worse = [below('dni@1', `dni@${last}`), below('nobprop@1', `nobprop@${last}`)];
  claims.push({
    claim: 'Closer to the output is worse, for a single DNI and for the cut (Figure 11a)',
    criterion: `error at p = ${last} above error at p = 1, for both (${means})`,
    verdict: worse.every((x) => x.margin > 0) ? 'shown' : 'not shown',
    evidence: [t('dni@1'), t(`dni@${last}`), t('nobprop@1'), t(`nobprop@${last}`)].join('; '),
    tests: worse,
  });
  const tol = 0.5;
  claims.push({
    claim: 'A single DNI after layer 1 is close to backprop (paper: 1.8% vs 1.6%)',
    criterion: `|DNI after layer 1 − Bprop| ≤ ${tol} points (${means})`,
    verdict: Math.abs(e('dni@1') - e('bprop')) <= tol ? 'shown' : 'not shown',
    evidence: `${t('dni@1')}; ${t('bprop')}`,
    tests: [{ cells: [cell('dni@1'), cell('bprop')], margin: tol - Math.abs(e('dni@1') - e('bprop')) }],
  });
  const dniRise = e(`dni@1-${last}`) - e('dni@1-1');
  const cdniRise = e(`cdni@1-${last}`) - e('cdni@1-1');
  const deeper = below('dni@1-1', `dni@1-${last}`);
  claims.push({
    claim: 'DNI on more connections is worse (Figure 11b)',
    criterion: `DNI on connections 1–${last} above DNI on connection 1 alone (${means})`,
    verdict: deeper.margin > 0 ? 'shown' : 'not shown',
    evidence: `${t('dni@1-1')}; ${t(`dni@1-${last}`)}`,
    tests: [deeper],
  });
  claims.push({
    claim: 'cDNI almost removes that degradation (Figure 11b)',
    criterion: `cDNI's rise from connection 1 alone to connections 1–${last} is under half of DNI's (${means})`,
    verdict: cdniRise < dniRise / 2 ? 'shown' : 'not shown',
    evidence: `rise: cDNI ${cdniRise.toFixed(2)} points (${cellText(runs, K, 'cdni@1-1')} → ${cellText(runs, K, `cdni@1-${last}`)}), DNI ${dniRise.toFixed(2)} points`,
    tests: [{ cells: ['dni@1-1', `dni@1-${last}`, 'cdni@1-1', `cdni@1-${last}`].map(cell), margin: dniRise / 2 - cdniRise }],
  });
  return claims;
}

/**
 * Entry i of a record's series `key` (e.g. sgLoss per connection), NaN where it is missing:
 * cached histories store NaN (no synthesizer) as null.
 */
export function seriesAt(series: Record<string, number[]>, key: string, i: number): number {
  const v = series[key]?.[i];
  return typeof v === 'number' ? v : NaN;
}

/** A synthetic-gradient quality measure (RunSpec.measureSG; e.g. 'sgCosine') of connection k (1-based) at each evaluation, or its mean over the connections that have one. */
export function sgQualityAt(run: RunResult, key: string, connection: number | 'mean'): number[] {
  return run.history.map((h) => {
    if (connection !== 'mean') return seriesAt(h.series, key, connection - 1);
    const v = (h.series[key] ?? []).map((_, i) => seriesAt(h.series, key, i));
    const ok = v.filter(Number.isFinite);
    return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
  });
}

/** Cosine similarity at or below this is "only slightly positive". */
export const SLIGHT_COSINE = 0.3;

/** Figure 12's description, judged on the single-DNI runs (grid seed) of singleDniMethods with RunSpec.measureSG. */
export function sgQualityClaims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const K = cfg.depths[0];
  const ps = Array.from({ length: K - 1 }, (_, i) => i + 1);
  const run = (p: number) => runs.find((r) => r.depth === K && r.method === `dni@${p}` && r.seed === undefined)?.run;
  const measured = ps.every((p) => { const r = run(p); return r && sgQualityAt(r, 'sgCosine', p).some(Number.isFinite); });
  if (!measured) {
    return [{ claim: 'Figure 12 (synthetic-gradient quality)', criterion: 'needs the single-DNI runs with run.measureSG: true', verdict: 'not testable at this budget', evidence: 'no measurements in these runs' }];
  }
  const tailMean = (xs: number[]) => { const t = xs.slice(-LAST_EVALS); return t.reduce((a, b) => a + b, 0) / t.length; };
  const dist = ps.map((p) => sgQualityAt(run(p)!, 'sgDistance', p));
  const peakEarly = dist.map((d) => { const i = d.indexOf(Math.max(...d)); return { i, n: d.length, ok: i < d.length / 2 && d[d.length - 1] < d[i] }; });
  const cos = ps.map((p) => tailMean(sgQualityAt(run(p)!, 'sgCosine', p)));
  const beats = ps.map((p) => cellError(runs, K, `dni@${p}`) < cellError(runs, K, `nobprop@${p}`));
  return [
    {
      claim: 'The L2 error jumps early, then the synthesizer fits (Figure 12)',
      criterion: 'at every position, the largest L2 distance comes in the first half of training and the last is below it',
      verdict: peakEarly.every((x) => x.ok) ? 'shown' : 'not shown',
      evidence: ps.map((p, j) => `p = ${p}: peak at evaluation ${peakEarly[j].i + 1} of ${peakEarly[j].n}, ${dist[j][peakEarly[j].i].toPrecision(3)} → ${dist[j][dist[j].length - 1].toPrecision(3)}`).join('; '),
    },
    {
      claim: 'The cosine similarity is only slightly positive on average (Figure 12)',
      criterion: `at every position, 0 < cosine ≤ ${SLIGHT_COSINE} (mean of the last ${LAST_EVALS} evaluations)`,
      verdict: cos.every((c) => c > 0 && c <= SLIGHT_COSINE) ? 'shown' : 'not shown',
      evidence: ps.map((p, j) => `p = ${p}: ${cos[j].toFixed(3)}`).join('; '),
    },
    {
      claim: 'Training works although the synthetic gradient tracks the true one poorly',
      criterion: `at every position, cosine ≤ ${SLIGHT_COSINE} and yet the single DNI beats the cut passing no gradient`,
      verdict: ps.every((_, j) => cos[j] <= SLIGHT_COSINE && beats[j]) ? 'shown' : 'not shown',
      evidence: ps.map((p, j) => `p = ${p}: cosine ${cos[j].toFixed(3)}, ${beats[j] ? 'beats' : 'does not beat'} the cut`).join('; '),
    },
  ];
}

/**
 * Section C's stale-gradient baseline against No Bprop and cDNI, by depth (runs of 'nobprop',
 * 'stale' at its chosen decay, and 'cdni').
 */
export function staleClaims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const depths = [...cfg.depths].sort((a, b) => a - b);
  const e = (d: number, m: string) => cellError(runs, d, m);
  const cell = (d: number, m: string): Cell => ({ depth: d, method: m as MethodName });
  const means = `mean of the last ${LAST_EVALS} evaluations`;
  const better = depths.map((d) => ({ cells: [cell(d, 'stale'), cell(d, 'nobprop')], margin: e(d, 'nobprop') - e(d, 'stale') }));
  // Far worse than cDNI: it closes less than half of the gap from No Bprop down to cDNI.
  const worse = depths.map((d) => ({ cells: [cell(d, 'stale'), cell(d, 'nobprop'), cell(d, 'cdni')], margin: e(d, 'stale') - e(d, 'cdni') - (e(d, 'nobprop') - e(d, 'cdni')) / 2 }));
  return [
    {
      claim: 'Stale gradients are marginally better than no gradient (No Bprop)',
      criterion: `the stale baseline below No Bprop at every depth (${means})`,
      verdict: better.every((t) => t.margin > 0) ? 'shown' : 'not shown',
      evidence: depths.map((d) => `${d}L: ${cellText(runs, d, 'stale')} vs ${cellText(runs, d, 'nobprop')}`).join('; '),
      tests: better,
    },
    {
      claim: 'Stale gradients are far worse than cDNI',
      criterion: `at every depth the stale baseline closes less than half of the gap from No Bprop to cDNI (${means})`,
      verdict: worse.every((t) => t.margin > 0) ? 'shown' : 'not shown',
      evidence: depths.map((d) => `${d}L: stale ${cellText(runs, d, 'stale')}, cDNI ${cellText(runs, d, 'cdni')}, No Bprop ${cellText(runs, d, 'nobprop')}`).join('; '),
      tests: worse,
    },
  ];
}

/** One point of a p_update sweep: a method's test error (%) when each layer updates with probability p. */
export interface UpdatePoint {
  method: string;
  p: number;
  error: number;
}

/**
 * The main text on random update probability: DNI still trains at p_update = 0.2 and cDNI at
 * 0.05. "Trains" is judged against No Bprop with every layer updating (p = 1): below it, the
 * layers under the classifier learned something from their synthetic gradients.
 */
export function updateProbabilityClaims(points: UpdatePoint[]): Claim[] {
  const at = (m: string, p: number) => points.find((x) => x.method === m && x.p === p)?.error;
  const floor = at('nobprop', 1);
  const one = (m: 'dni' | 'cdni', p: number): Claim => {
    const err = at(m, p);
    const claim = `${methodLabel(m)} still trains when each layer updates with probability ${p} (main text)`;
    const criterion = `${methodLabel(m)}'s test error at p_update = ${p} below No Bprop's with every layer updating (mean of the last ${LAST_EVALS} evaluations)`;
    if (err === undefined || floor === undefined) return { claim, criterion, verdict: 'not testable at this budget', evidence: `the sweep has no ${err === undefined ? `${methodLabel(m)} run at p = ${p}` : 'No Bprop run at p = 1'}` };
    return { claim, criterion, verdict: err < floor ? 'shown' : 'not shown', evidence: `${methodLabel(m)} ${pct(err)} at p = ${p}; No Bprop ${pct(floor)} at p = 1` };
  };
  return [one('dni', 0.2), one('cdni', 0.05)];
}

/** The first evaluation step at which a run's test error (%) is at or below `threshold`, or null. */
export function stepsToReach(run: RunResult, threshold: number): number | null {
  const hit = run.history.find((h) => 100 * h.testError <= threshold);
  return hit ? hit.step : null;
}

/**
 * The synthetic-input regression error of unit k (1-based, k ≥ 2) over training, as a mean
 * squared error per activation (series.inputLoss is a sum over the batch and units).
 */
export function inputErrorAt(run: RunResult, k: number, batch: number, units: number): number[] {
  return run.history.map((h) => seriesAt(h.series, 'inputLoss', k - 1) / (batch * units));
}

/**
 * Complete unlock (main text, Figure 6): with synthetic inputs as well as synthetic gradients,
 * cDNI still reaches the main text's 2% test error, but needs more steps to reach a fixed error
 * than without them; the synthetic inputs learn their targets.
 */
export function unlockClaims(cfg: GridConfig, runs: GridRun[], threshold: number): Claim[] {
  const K = cfg.depths[0];
  const get = (m: string) => runs.find((r) => r.depth === K && r.method === m && r.seed === undefined)?.run;
  const claims: Claim[] = [];
  const cu = get('cdni+unlock');
  const c = get('cdni');
  if (cu) {
    const e = cellError(runs, K, 'cdni+unlock');
    claims.push({
      claim: 'cDNI with complete unlock reaches 2% test error (main text)',
      criterion: `cDNI, complete unlock, at or below 2% (mean of the last ${LAST_EVALS} evaluations)`,
      verdict: e <= 2 ? 'shown' : 'not shown',
      evidence: `cDNI, complete unlock ${cellText(runs, K, 'cdni+unlock')}; cDNI ${c ? cellText(runs, K, 'cdni') : '—'}; Bprop ${cellText(runs, K, 'bprop')}`,
    });
  }
  for (const base of ['dni', 'cdni']) {
    const [with_, without] = [get(`${base}+unlock`), get(base)];
    if (!with_ || !without) continue;
    const [a, b] = [stepsToReach(with_, threshold), stepsToReach(without, threshold)];
    const label = methodLabel(base);
    claims.push({
      claim: `${label} reaches a fixed error more slowly with complete unlock (main text)`,
      criterion: `the first evaluation at or below ${threshold}% test error comes later with synthetic inputs than without; if neither reaches it: not testable at this budget`,
      verdict: a === null && b === null ? 'not testable at this budget' : b !== null && (a === null || a > b) ? 'shown' : 'not shown',
      evidence: `with synthetic inputs: ${a === null ? 'not reached' : `step ${a}`}; without: ${b === null ? 'not reached' : `step ${b}`}`,
    });
  }
  const unlocked = runs.filter((r) => r.depth === K && r.seed === undefined && /\+unlock$/.test(r.method));
  if (unlocked.length) {
    const falls = unlocked.map((r) => {
      const ks = Array.from({ length: K - 1 }, (_, i) => i + 2);
      const mean = (i: number) => ks.reduce((s, k) => s + seriesAt(r.run.history[i].series, 'inputLoss', k - 1), 0) / ks.length;
      const n = r.run.history.length;
      return { name: r.name, first: mean(0), last: mean(n - 1) };
    });
    claims.push({
      claim: 'The synthetic inputs learn the real activations',
      criterion: 'their regression loss (mean over units) at the last evaluation is under half of that at the first',
      verdict: falls.every((f) => f.last < f.first / 2) ? 'shown' : 'not shown',
      evidence: falls.map((f) => `${f.name}: ${f.first.toPrecision(3)} → ${f.last.toPrecision(3)}`).join('; '),
    });
  }
  return claims;
}

/** A Copy / Repeat Copy run of a method at an unroll T. */
export interface CopyCell {
  kind: 'copy' | 'repeatCopy';
  method: 'bptt' | 'dni' | 'dniAux';
  T: number;
  run: CopyRunResult;
}

/** The first number of sequences at which a run had solved a level of at least this time dependency, or null. */
export function samplesToDependency(run: CopyRunResult, dependency: number): number | null {
  const hit = run.history.find((r) => r.dependency >= dependency);
  return hit ? hit.samples : null;
}

/** Whether a run's solved level still rose in the last quarter of its checks (it had not reached its limit). */
export function stillClimbing(run: CopyRunResult): boolean {
  const h = run.history;
  const q = h[Math.floor((3 * h.length) / 4)];
  return h[h.length - 1].dependency > (q?.dependency ?? 0);
}

/**
 * The main text on Copy and Repeat Copy: at a given T, DNI at least doubles the time dependency
 * truncated BPTT learns, and learns with fewer samples. The first claim is about the limit BPTT
 * reaches; while BPTT's solved level still rises at the end of the budget, that limit is not
 * known: "not testable at this budget".
 */
export function copyClaims(cells: CopyCell[]): Claim[] {
  const claims: Claim[] = [];
  for (const kind of ['copy', 'repeatCopy'] as const) {
    const name = kind === 'copy' ? 'Copy' : 'Repeat Copy';
    const Ts = [...new Set(cells.filter((c) => c.kind === kind).map((c) => c.T))].sort((a, b) => a - b);
    const get = (m: CopyCell['method'], T: number) => cells.find((c) => c.kind === kind && c.method === m && c.T === T)?.run;
    const pairs = Ts.map((T) => ({ T, bptt: get('bptt', T), dni: get('dni', T) })).filter((p) => p.bptt && p.dni) as { T: number; bptt: CopyRunResult; dni: CopyRunResult }[];
    if (!pairs.length) continue;
    // BPTT's limit is unknown while its level still rises, and nothing is learned yet when neither solved a level.
    const climbing = pairs.some((p) => stillClimbing(p.bptt) || (p.bptt.maxDependency === 0 && p.dni.maxDependency === 0));
    claims.push({
      claim: `${name}: at a given T, DNI at least doubles the time dependency truncated BPTT learns (main text)`,
      criterion: "DNI's highest solved dependency ≥ 2 × BPTT's at every T; not testable while BPTT's solved level still rises in the last quarter of the run, or where neither solved a level",
      verdict: climbing ? 'not testable at this budget' : pairs.every((p) => p.dni.maxDependency >= 2 * p.bptt.maxDependency && p.dni.maxDependency > 0) ? 'shown' : 'not shown',
      evidence: pairs.map((p) => `T = ${p.T}: DNI ${p.dni.maxDependency}, BPTT ${p.bptt.maxDependency}${stillClimbing(p.bptt) ? ' (still rising)' : ''}`).join('; '),
    });
    const fewer = pairs.map((p) => {
      const common = Math.min(p.bptt.maxDependency, p.dni.maxDependency);
      return { T: p.T, common, dni: common > 0 ? samplesToDependency(p.dni, common) : null, bptt: common > 0 ? samplesToDependency(p.bptt, common) : null };
    });
    claims.push({
      claim: `${name}: DNI learns with fewer samples than truncated BPTT (main text)`,
      criterion: 'at every T, DNI solves the highest level both reached after fewer sequences; not testable where neither solved a level',
      verdict: fewer.some((f) => f.common === 0) ? 'not testable at this budget' : fewer.every((f) => f.dni! < f.bptt!) ? 'shown' : 'not shown',
      evidence: fewer.map((f) => (f.common === 0 ? `T = ${f.T}: no level solved by both` : `T = ${f.T}, dependency ${f.common}: DNI after ${f.dni} sequences, BPTT after ${f.bptt}`)).join('; '),
    });
  }
  return claims;
}

/** A Penn Treebank character-LM run of a method at an unroll T. */
export interface CharLmCell {
  method: 'bptt' | 'dni' | 'dniAux';
  T: number;
  run: CharLmResult;
}

/** A BPC difference smaller than this is no difference at this budget (one seed per run). */
export const BPC_MARGIN = 0.01;

/**
 * The main text on Penn Treebank (Figure 16): at a given T, DNI improves the test BPC over
 * truncated BPTT, and DNI+Aux more so. Judged on the test BPC of each run's best validation
 * checkpoint: better by at least BPC_MARGIN at every T (shown), worse by that much at some T (not
 * shown), else not testable at this budget.
 */
export function charLmClaims(cells: CharLmCell[]): Claim[] {
  const Ts = [...new Set(cells.map((c) => c.T))].sort((a, b) => a - b);
  const bpc = (m: CharLmCell['method'], T: number) => cells.find((c) => c.method === m && c.T === T)?.run.testBpc;
  const better = (a: CharLmCell['method'], b: CharLmCell['method'], claim: string): Claim => {
    const d = Ts.map((T) => ({ T, a: bpc(a, T), b: bpc(b, T) })).filter((x) => x.a !== undefined && x.b !== undefined) as { T: number; a: number; b: number }[];
    const verdict: Verdict = !d.length ? 'not testable at this budget' : d.every((x) => x.b - x.a >= BPC_MARGIN) ? 'shown' : d.some((x) => x.a - x.b >= BPC_MARGIN) ? 'not shown' : 'not testable at this budget';
    const name = { bptt: 'BPTT', dni: 'DNI', dniAux: 'DNI+Aux' };
    return {
      claim,
      criterion: `${name[a]}'s test BPC (best validation checkpoint) below ${name[b]}'s by ≥ ${BPC_MARGIN} at every T (shown), above it by ≥ ${BPC_MARGIN} at some T (not shown); closer: not testable at this budget (one seed)`,
      verdict,
      evidence: d.map((x) => `T = ${x.T}: ${name[a]} ${x.a.toFixed(3)}, ${name[b]} ${x.b.toFixed(3)}`).join('; '),
    };
  };
  return [better('dni', 'bptt', 'DNI improves BPC at a given T (main text, Figure 16)'), better('dniAux', 'dni', 'DNI+Aux improves it further (main text, Figure 16)')];
}
