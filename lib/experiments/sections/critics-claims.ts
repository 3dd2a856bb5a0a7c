/**
 * Paper A.4's methods judged on the runs (notebook 12), each claim as the paper or the paper it
 * cites states it, by the tie rule (tie-rule.ts), against backprop (or no gradient) at the same
 * budget. A.4 itself reports no numbers: it says a critic's gradient is "one way to estimate the
 * synthetic gradient", and that FA, DFA and Kickback "can all be framed in the synthetic gradients
 * framework" (Czarnecki et al. 2017), a statement about their form that the code shows by
 * construction (they run as synthesizers and feedback rules of one trainer), not a measurement.
 * The cited papers' own numbers are not in our sources, so no criterion here is applied to
 * paper numbers.
 */
import type { Cell, Claim } from '../claim';
import type { GridConfig, GridRun } from '../grid';
import { type MethodName, methodLabel } from '../methods';
import { cellError, cellRuns, cellSpread, cellText, LAST_EVALS, sgQualityAt, tailMean } from '../results';
import { type Comparison, range, TIE_RULE_TEXT, verdictOf } from '../tie-rule';

/** "About as well as backprop": within this many points of Bprop's test error (the standard the project holds its close calls to, CLOSE_CALL). */
export const NEAR_BPROP = 1;

type Judged = Comparison & { cells: Cell[]; margin: number };

/** A cosine reading of one run: the mean of the last evaluations per connection, and its spread (their range). */
export function cosineReading(run: GridRun, key = 'sgCosine'): { connection: number; mean: number; spread: number }[] {
  const n = (run.run.history[0]?.series[key] ?? []).length;
  return Array.from({ length: n }, (_, i) => {
    const xs = sgQualityAt(run.run, key, i + 1);
    return { connection: i + 1, mean: tailMean(xs), spread: range(xs.slice(-LAST_EVALS)) };
  });
}

export function criticsClaims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const has = (m: string) => (cfg.methods as string[]).includes(m);
  const cell = (depth: number, method: string): Cell => ({ depth, method: method as MethodName });
  const spread = (cells: Cell[]) => Math.max(...cells.map((c) => cellSpread(runs, c.depth, c.method)));
  const below = (d: number, a: string, b: string): Judged => {
    const cells = [cell(d, a), cell(d, b)];
    const margin = cellError(runs, d, b) - cellError(runs, d, a);
    return { cells, margin, favour: margin, spread: spread(cells) };
  };
  const near = (d: number, m: string): Judged => {
    const cells = [cell(d, m), cell(d, 'bprop')];
    const margin = NEAR_BPROP - Math.abs(cellError(runs, d, m) - cellError(runs, d, 'bprop'));
    return { cells, margin, favour: margin, spread: spread(cells), inclusive: true };
  };
  const means = `mean of the last ${LAST_EVALS} evaluations; ${TIE_RULE_TEXT}`;
  const vs = (m: string, ref: string) =>
    cfg.depths.map((d) => `${d}L: ${methodLabel(m)} ${cellText(runs, d, m)} vs ${methodLabel(ref)} ${cellText(runs, d, ref)}`).join('; ');
  const claims: Claim[] = [];
  const claim = (text: string, criterion: string, tests: Judged[], evidence: string) =>
    claims.push({ claim: text, criterion: `${criterion} (${means})`, verdict: verdictOf(tests), evidence, tests });

  for (const m of ['critic', 'ccritic'].filter((x) => has(x) && has('nobprop')))
    claim(
      `${methodLabel(m)}: the gradient of a scalar critic v(h) ≈ E[L | h] can be used as the synthetic gradient (A.4)`,
      `${methodLabel(m)}'s test error below No Bprop's at every depth: its synthetic gradient trains the layers below the top, which no gradient would not`,
      cfg.depths.map((d) => below(d, m, 'nobprop')),
      vs(m, 'nobprop'),
    );
  const nearClaim = (m: string, who: string) =>
    has(m) &&
    has('bprop') &&
    claim(
      `${methodLabel(m)} trains the network about as well as backprop (${who})`,
      `|${methodLabel(m)} − Bprop| ≤ ${NEAR_BPROP} point at every depth`,
      cfg.depths.map((d) => near(d, m)),
      vs(m, 'bprop'),
    );
  nearClaim('fa', 'Lillicrap et al. 2016');
  nearClaim('dfa', 'Nøkland 2016');
  // Balduzzi et al.'s guarantee (Kickback's sign is backprop's) holds for "coherent" networks; ours are not constrained to be.
  nearClaim('kickback', 'Balduzzi et al. 2014, on networks they keep coherent; ours are not constrained to be');
  // Lillicrap et al.: the feedback signal "lies within 90° of the signal used by backprop"; Nøkland: the same for DFA.
  const aligned = (m: string, who: string) => {
    if (!has(m)) return;
    const rs = cfg.depths.map((d) => ({ d, r: cellRuns(runs, d, m).find((x) => x.seed === undefined) }));
    const readings = rs.flatMap(({ d, r }) => (r ? cosineReading(r).map((c) => ({ d, ...c })) : []));
    const tests = readings.map((c) => ({ cells: [cell(c.d, m)], margin: c.mean, favour: c.mean, spread: c.spread }));
    claims.push({
      claim: `${methodLabel(m)}'s feedback signal lies within 90° of backprop's (${who})`,
      criterion: `the cosine between the gradient ${methodLabel(m)} gives each hidden layer and the true gradient above 0, at every connection and depth (per example, ${means})`,
      verdict: readings.length ? verdictOf(tests) : 'not testable at this budget',
      evidence: readings.length
        ? cfg.depths
            .map(
              (d) =>
                `${d}L: ${readings
                  .filter((c) => c.d === d)
                  .map((c) => c.mean.toFixed(3))
                  .join(', ')}`,
            )
            .join('; ')
        : 'no measurements (run.measureSG off)',
      tests,
    });
  };
  aligned('fa', 'Lillicrap et al. 2016');
  aligned('dfa', 'Nøkland 2016');
  return claims;
}
