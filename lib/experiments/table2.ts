/**
 * Every-layer DNI experiments (paper section C, Table 2): a grid of depths ×
 * methods for one model family, its table beside the paper's, its curves, and
 * the paper's qualitative claims checked against our numbers.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { AdamSpec } from '../adam';
import { cifarCnn, cifarFcn, mnistCnn, mnistFcn } from '../builders';
import { depth as netDepth, lambdasFor, Method, NetworkSpec, SynthesizerSpec, trainerSpec } from '../config';
import { loadCifar10 } from '../data/cifar10';
import { Dataset } from '../data/dataset';
import { loadMnist } from '../data/mnist';
import { PAPER_STEPS, TABLE2 } from '../paper';
import { RunResult } from '../train';
import { errorCurves, runExperiment } from './experiment';
import { Figure } from './figures';
import { budget, ResultRow } from './tables';

export type Family = keyof typeof TABLE2;

export const FAMILY_NAMES: Record<Family, string> = { mnistFcn: 'MNIST FCN', cifarFcn: 'CIFAR-10 FCN', mnistCnn: 'MNIST CNN', cifarCnn: 'CIFAR-10 CNN' };
export const METHOD_NAMES: Record<Method, string> = { nobprop: 'No Bprop', bprop: 'Bprop', dni: 'DNI', cdni: 'cDNI' };

export interface GridConfig {
  family: Family;
  /** Layers, counting the classifier (the paper: FCNs 3–6, CNNs 3–4). */
  depths: number[];
  methods: Method[];
  /** Hidden units per layer (FCN) or filters per conv layer (CNN). */
  width: number;
  /** Synthesizer of each synthetic-gradient method (conditioning is set by the method). */
  synthesizers: { dni: Partial<SynthesizerSpec>; cdni: Partial<SynthesizerSpec> };
  sgLossReduction: 'sum' | 'mean';
  /** Units of the synthesizers' outputs and targets (see TrainerSpec.sgTarget). */
  sgTarget: 'batchMean' | 'perExample';
  optimizer: AdamSpec;
  steps: number;
  batchSize: number;
  evalEvery: number;
  evalExamples: number;
  trainEvalExamples: number;
  seed: number;
}

export interface GridRun {
  depth: number;
  method: Method;
  /** A label for legends and tables, e.g. "DNI" (or the variant's name). */
  name: string;
  run: RunResult;
}

/** The network of a family at a depth and width (the paper's widths are the builders' defaults). */
export function networkFor(family: Family, depth: number, width: number): NetworkSpec {
  switch (family) {
    case 'mnistFcn':
      return mnistFcn(depth, width);
    case 'cifarFcn':
      return cifarFcn(depth, width);
    case 'mnistCnn':
      return mnistCnn(depth, width);
    case 'cifarCnn':
      return cifarCnn(depth, width);
  }
}

const loaded: Partial<Record<'mnist' | 'cifar10', { train: Dataset; test: Dataset }>> = {};

/** The family's dataset, loaded once per process (and only when a run is not cached). */
export function familyData(family: Family): { train: Dataset; test: Dataset } {
  const key = family.startsWith('mnist') ? 'mnist' : 'cifar10';
  return (loaded[key] ??= key === 'mnist' ? loadMnist() : loadCifar10());
}

/** Train (or reuse) one run of the grid. */
export async function runGridCell(cfg: GridConfig, depth: number, method: Method, cacheName: string, synth?: Partial<SynthesizerSpec>): Promise<RunResult> {
  const network = networkFor(cfg.family, depth, cfg.width);
  const trainer = trainerSpec({
    network,
    lambda: lambdasFor(method, netDepth(network)),
    synthesizer: { ...(synth ?? (method === 'cdni' ? cfg.synthesizers.cdni : cfg.synthesizers.dni)), conditioned: method === 'cdni' },
    sgLossReduction: cfg.sgLossReduction,
    sgTarget: cfg.sgTarget,
    optimizer: cfg.optimizer,
    seed: cfg.seed,
  });
  return runExperiment(
    cacheName,
    { trainer, steps: cfg.steps, batchSize: cfg.batchSize, evalEvery: cfg.evalEvery, evalExamples: cfg.evalExamples, trainEvalExamples: cfg.trainEvalExamples, dataSeed: cfg.seed },
    () => familyData(cfg.family),
    { label: `${FAMILY_NAMES[cfg.family]} ${depth}L ${METHOD_NAMES[method]}` },
  );
}

/** Every depth × method of the grid, in order. `prefix` names the cache files. */
export async function runGrid(cfg: GridConfig, prefix: string): Promise<GridRun[]> {
  const out: GridRun[] = [];
  for (const depth of cfg.depths) {
    for (const method of cfg.methods) {
      const run = await runGridCell(cfg, depth, method, `${prefix}-${cfg.family}-${depth}-${method}`);
      out.push({ depth, method, name: METHOD_NAMES[method], run });
    }
  }
  return out;
}

/** Table 2 rows: model | layers | method | paper | ours | budget (test error, %). */
export function table2Rows(cfg: GridConfig, runs: GridRun[]): ResultRow[] {
  return runs.map((r) => ({
    model: FAMILY_NAMES[cfg.family],
    layers: r.depth,
    method: r.name,
    paper: TABLE2[cfg.family][r.depth]?.[r.method] ?? '—',
    ours: Number((100 * r.run.final.testError).toFixed(2)),
    'train err': Number((100 * r.run.final.trainError).toFixed(2)),
    budget: budget(PAPER_STEPS, cfg.steps),
  }));
}

/** Error curves of every method at one depth (a panel of Figures 13 and 15). */
export function depthCurves(cfg: GridConfig, runs: GridRun[], depth: number, metric: 'testError' | 'trainError' = 'testError'): Figure {
  const what = metric === 'testError' ? 'test' : 'training';
  return errorCurves(
    runs.filter((r) => r.depth === depth).map((r) => ({ name: r.name, run: r.run })),
    { metric, title: `${FAMILY_NAMES[cfg.family]}, ${depth} layers: ${what} error`, logY: true },
  );
}

export interface Claim {
  claim: string;
  criterion: string;
  verdict: 'shown' | 'not shown' | 'not tested';
  evidence: string;
}

const pct = (x: number) => `${x.toFixed(2)}%`;

/**
 * The paper's qualitative claims about a Table 2 family, each judged on our final
 * test errors by the criterion stated beside it.
 */
export function table2Claims(cfg: GridConfig, runs: GridRun[]): Claim[] {
  const err = (depth: number, m: Method): number | undefined => {
    const r = runs.find((x) => x.depth === depth && x.method === m);
    return r ? 100 * r.run.final.testError : undefined;
  };
  const depths = [...cfg.depths].sort((a, b) => a - b);
  const [lo, hi] = [depths[0], depths[depths.length - 1]];
  const has = (m: Method) => cfg.methods.includes(m);
  const claims: Claim[] = [];
  const paper = TABLE2[cfg.family];
  const paperGap = (m: Method) => Math.ceil(2 * Math.max(...Object.values(paper).map((row) => Math.abs(row[m] - row.bprop)))) / 2;

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
  const vsBprop = (m: Method) => depths.map((d) => `${d}L: ${METHOD_NAMES[m]} ${pct(err(d, m) ?? NaN)} vs Bprop ${pct(err(d, 'bprop') ?? NaN)}`).join('; ');
  // "Close" means within the largest gap the paper itself reports for this family (rounded up to 0.5).
  const closeClaim = (m: Method, claim: string): Claim => {
    const tol = paperGap(m);
    const close = depths.every((d) => Math.abs((err(d, m) ?? Infinity) - (err(d, 'bprop') ?? 0)) <= tol);
    return {
      claim,
      criterion: `|${METHOD_NAMES[m]} − Bprop| ≤ ${tol} points at every depth (the paper's largest gap here, rounded up to 0.5)`,
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
  const get = (d: number, m: Method) => runs.find((x) => x.depth === d && x.method === m)?.run.final;
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

/** Claims as a table (claim | criterion | our run | evidence). */
export function claimsTable(claims: Claim[]): ColumnTable {
  return aq.from(claims.map((c) => ({ claim: c.claim, criterion: c.criterion, 'our run': c.verdict, evidence: c.evidence })));
}
