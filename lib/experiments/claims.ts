/**
 * The paper's qualitative claims about Table 2 (section C) and underfitting (C.1), each judged on
 * our runs by a criterion stated beside it, and the one-sentence summary of a grid.
 */
import { GridConfig, GridRun, FAMILY_NAMES } from './grid';
import { methodLabel, Table2Method } from './methods';
import { TABLE2 } from './paper';

export interface Claim {
  claim: string;
  criterion: string;
  verdict: 'shown' | 'not shown' | 'not testable at this budget';
  evidence: string;
}

const pct = (x: number) => `${x.toFixed(2)}%`;

/**
 * The paper's qualitative claims about a Table 2 family, each judged on our final
 * test errors by the criterion stated beside it.
 */
export function table2Claims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const err = (depth: number, m: string): number | undefined => {
    const r = runs.find((x) => x.depth === depth && x.method === m);
    return r ? 100 * r.run.final.testError : undefined;
  };
  const depths = [...cfg.depths].sort((a, b) => a - b);
  const [lo, hi] = [depths[0], depths[depths.length - 1]];
  const has = (m: Table2Method) => cfg.methods.includes(m);
  const claims: Claim[] = [];
  const paper = TABLE2[cfg.family];
  const paperGap = (m: Table2Method) => Math.ceil(2 * Math.max(...Object.values(paper).map((row) => Math.abs(row[m] - row.bprop)))) / 2;

  if (has('nobprop')) {
    const worst = depths.every((d) => cfg.methods.every((m) => m === 'nobprop' || (err(d, 'nobprop') ?? 0) > (err(d, m) ?? Infinity)));
    const degrades = depths.length > 1 && (err(hi, 'nobprop') ?? 0) > (err(lo, 'nobprop') ?? Infinity);
    claims.push({
      claim: 'No Bprop is worst and degrades with depth',
      criterion: depths.length > 1 ? `highest error at every depth, and higher at ${hi} than at ${lo} layers` : 'highest error (one depth: degradation not tested)',
      verdict: worst && (degrades || depths.length === 1) ? 'shown' : 'not shown',
      evidence: depths.map((d) => `${d}L: ${pct(err(d, 'nobprop') ?? NaN)}`).join(', '),
    });
  }
  const vsBprop = (m: Table2Method) => depths.map((d) => `${d}L: ${methodLabel(m)} ${pct(err(d, m) ?? NaN)} vs Bprop ${pct(err(d, 'bprop') ?? NaN)}`).join('; ');
  // "Close" means within the largest gap the paper itself reports for this family (rounded up to 0.5).
  const closeClaim = (m: Table2Method, claim: string): Claim => {
    const tol = paperGap(m);
    const close = depths.every((d) => Math.abs((err(d, m) ?? Infinity) - (err(d, 'bprop') ?? 0)) <= tol);
    return {
      claim,
      criterion: `|${methodLabel(m)} − Bprop| ≤ ${tol} points at every depth (the paper's largest gap here, rounded up to 0.5)`,
      verdict: close ? 'shown' : 'not shown',
      evidence: vsBprop(m),
    };
  };
  if (has('dni') && has('bprop')) {
    if (cfg.family.endsWith('Fcn')) {
      const trails = depths.every((d) => (err(d, 'dni') ?? 0) > (err(d, 'bprop') ?? Infinity));
      const degrades = (err(hi, 'dni') ?? 0) > (err(lo, 'dni') ?? Infinity);
      claims.push({
        claim: 'DNI trails backprop and degrades with depth (FCNs)',
        criterion: depths.length > 1 ? `DNI error above Bprop at every depth, and higher at ${hi} than at ${lo} layers` : 'DNI error above Bprop (one depth: degradation not tested)',
        verdict: trails && (degrades || depths.length === 1) ? 'shown' : 'not shown',
        evidence: vsBprop('dni'),
      });
    } else {
      claims.push(closeClaim('dni', 'CNN DNI is close to backprop'));
    }
  }
  if (has('cdni') && has('bprop')) claims.push(closeClaim('cdni', 'cDNI is close to backprop'));
  return claims;
}

/**
 * Underfitting (paper C.1): is DNI's test-error gap to backprop matched by a
 * training-error gap? Judged per depth on the final records.
 */
export function underfittingClaim(runs: GridRun[], depths: number[]): Claim {
  const get = (d: number, m: Table2Method) => runs.find((x) => x.depth === d && x.method === m)?.run.final;
  const parts: string[] = [];
  let shown = true;
  for (const d of depths) {
    const dni = get(d, 'dni');
    const bp = get(d, 'bprop');
    if (!dni || !bp) {
      shown = false;
      continue;
    }
    const testGap = 100 * (dni.testError - bp.testError);
    const trainGap = 100 * (dni.trainError - bp.trainError);
    parts.push(`${d}L: train gap ${trainGap.toFixed(2)}, test gap ${testGap.toFixed(2)} points`);
    if (!(testGap > 0 && trainGap >= 0.5 * testGap)) shown = false;
  }
  return {
    claim: "DNI's gap to backprop is underfitting (high training error), not poor generalisation",
    criterion: 'at every depth DNI trails Bprop on test, and its training-error gap is at least half the test-error gap',
    verdict: shown ? 'shown' : 'not shown',
    evidence: parts.join('; '),
  };
}

/** What a grid measured, in one sentence, printed from the results. */
export function gridSentence(cfg: GridConfig, runs: GridRun[], claims: Claim[]): string {
  const errs = (m: string) => runs.filter((r) => r.method === m).map((r) => 100 * r.run.final.testError);
  const range = (m: string) => `${methodLabel(m)} ${Math.min(...errs(m)).toFixed(2)}–${Math.max(...errs(m)).toFixed(2)}%`;
  return (
    `At ${cfg.run.steps} steps (the paper: 500k) and batch ${cfg.run.batchSize ?? 256}, the ${FAMILY_NAMES[cfg.family]}s of ${cfg.depths.join('/')} layers reached ` +
    `${cfg.methods.map(range).join(', ')} test error; ${claims.filter((c) => c.verdict === 'shown').length} of ${claims.length} of the paper's claims above are shown at this budget.`
  );
}
