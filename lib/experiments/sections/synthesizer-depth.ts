/**
 * Section C on synthesizers (Figure 14) and depth (notebook 05): DNI and cDNI on the 6-layer
 * MNIST FCN with synthesizers of 0–2 hidden layers, and a 21-layer FCN trained with linear cDNI.
 */
import { CLOSE_CALL, type Claim } from '../claim';
import { gridConfig, type GridConfig, type GridRun, runGrid, runGridCell } from '../grid';
import { methodLabel } from '../methods';
import { PAPER_STEPS } from '../paper';
import { CPU_ADAM, CPU_LR_WHY, override, type Preset, scaled } from '../preset';
import { bestRun, LAST_EVALS, lastMean, namedError } from '../results';
import { TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import { scale } from '../scale';
import type { Section } from '../section';
import { EXTRA_SEEDS } from '../seeded';
import { runVariants, type Variant } from '../variants';
import { MNIST_FCN_PAPER } from './table2';

export interface SynthDepthConfig {
  /** The 6-layer MNIST FCN runs: Bprop, and DNI and cDNI at each synthesizer depth. */
  grid: GridConfig;
  /** Hidden layers of the synthesizers compared (D.1 searched 0–2). */
  synthDepths: number[];
  /** Width of their hidden layers (D.1: 1024). */
  synthWidth: number;
  /** The deepest cDNI FCN of section C. */
  deepLayers: number;
  deepSteps: number;
}

const synthPaper: SynthDepthConfig = {
  grid: { ...MNIST_FCN_PAPER, depths: [6], methods: ['bprop', 'dni', 'cdni'] },
  synthDepths: [0, 1, 2],
  synthWidth: 1024,
  deepLayers: 21,
  deepSteps: PAPER_STEPS,
};
export const SYNTH_DEPTH_PRESET: Preset<SynthDepthConfig> = {
  paper: synthPaper,
  cpu: { ...synthPaper, grid: scaled(synthPaper.grid, { run: { steps: 1_000, evalEvery: 100 }, optimizer: CPU_ADAM }), deepSteps: 2_000 },
  smoke: {
    ...synthPaper,
    grid: scaled(synthPaper.grid, {
      depths: [3],
      width: 32,
      run: { steps: 10, batchSize: 32, evalEvery: 5, evalExamples: 500, trainEvalExamples: 500 },
      optimizer: CPU_ADAM,
    }),
    synthWidth: 16,
    deepLayers: 5,
    deepSteps: 10,
  },
  why: {
    'grid.run.steps': '500k → 1k steps, as notebook 02: the 7 runs take ~8 min on 2 cores with OpenBLAS',
    'grid.run.evalEvery': 'a point every 100 steps, so the short curves have enough points',
    'grid.trainer.optimizer.lr': CPU_LR_WHY,
    'grid.trainer.optimizer.decaySteps': CPU_LR_WHY,
    deepSteps: '500k → 2k steps (8.5 epochs) for the 21-layer runs: ~3 min for Bprop and cDNI, less for No Bprop',
  },
};

/** A run's name: its method and synthesizer depth, e.g. "cDNI, linear", "DNI, 2 hidden". */
export function synthName(method: 'dni' | 'cdni', h: number): string {
  return `${methodLabel(method)}, ${h === 0 ? 'linear' : `${h} hidden`}`;
}

/** Bprop, then DNI and cDNI at every synthesizer depth, on the grid's network (Figure 14). */
export async function runSynthDepths(cfg: SynthDepthConfig): Promise<GridRun[]> {
  const depth = cfg.grid.depths[0];
  const out: GridRun[] = [
    { depth, method: 'bprop', name: 'Bprop', run: await runGridCell(cfg.grid, depth, 'bprop', `synth-${scale()}-bprop`) },
  ];
  for (const method of ['dni', 'cdni'] as const) {
    for (const h of cfg.synthDepths) {
      const name = synthName(method, h);
      out.push({
        depth,
        method,
        name,
        run: await runGridCell(
          cfg.grid,
          depth,
          method,
          `synth-${scale()}-${method}-${h}`,
          { hiddenLayers: h, width: cfg.synthWidth },
          name,
        ),
      });
    }
  }
  return out;
}

/**
 * Two more seeds of every cDNI synthesizer depth when one of them is within CLOSE_CALL points of
 * the linear one (none otherwise): the claim is then judged on the mean.
 */
export async function runSynthSeeds(cfg: SynthDepthConfig, synth: GridRun[]): Promise<GridRun[]> {
  const depth = cfg.grid.depths[0];
  const err = (h: number) => namedError(synth, synthName('cdni', h)).error;
  if (!cfg.synthDepths.some((h) => h !== 0 && Math.abs(err(h) - err(0)) < CLOSE_CALL)) return [];
  const out: GridRun[] = [];
  for (const seed of EXTRA_SEEDS) {
    const g = gridConfig(override(cfg.grid, { 'trainer.seed': seed, 'run.dataSeed': seed }));
    for (const h of cfg.synthDepths) {
      const name = synthName('cdni', h);
      out.push({
        depth,
        method: 'cdni',
        name,
        seed,
        run: await runGridCell(
          g,
          depth,
          'cdni',
          `synth-${scale()}-cdni-${h}-seed${seed}`,
          { hiddenLayers: h, width: cfg.synthWidth },
          `${name} (seed ${seed})`,
        ),
      });
    }
  }
  return out;
}

/** The deep network's grid: No Bprop (what training the classifier alone reaches), Bprop and linear cDNI, 8 points per curve. */
export function deepConfig(cfg: SynthDepthConfig): GridConfig {
  return gridConfig(
    override(cfg.grid, {
      depths: [cfg.deepLayers],
      methods: ['nobprop', 'bprop', 'cdni'],
      'run.steps': cfg.deepSteps,
      'run.evalEvery': Math.max(1, Math.floor(cfg.deepSteps / 8)),
      'methodSynthesizers.cdni': { hiddenLayers: 0 },
    }),
  );
}

export const runDeep = (cfg: SynthDepthConfig): Promise<GridRun[]> => runGrid(deepConfig(cfg), `deep-${scale()}`);

/** The deep cDNI network on the validation split: Bprop, and cDNI with one setting changed at a time. */
export function deepStudyVariants(): Variant[] {
  return [
    { name: 'cDNI: as above', changes: {} },
    { name: 'cDNI: lr 1e-4', changes: { 'trainer.optimizer.lr': 1e-4 } },
    { name: 'cDNI: SG scale 0.1', changes: { 'trainer.synthesizer.scale': 0.1 } },
    { name: 'cDNI: batch-mean SG units', changes: { 'trainer.synthesizer.targetUnits': 'batchMean' } },
    { name: 'cDNI: mean-reduced SG loss', changes: { 'trainer.synthesizer.lossReduction': 'mean' } },
    // Targets made with a copy of each synthesizer refreshed every 100 steps, as target networks in TD learning (off in the paper).
    { name: 'cDNI: frozen target copies', changes: { 'trainer.targetRefresh': 100 } },
  ];
}

export async function runDeepStudy(cfg: SynthDepthConfig): Promise<GridRun[]> {
  const study = gridConfig(override(deepConfig(cfg), { validation: true }));
  return [
    ...(await runVariants(study, cfg.deepLayers, 'bprop', [{ name: 'Bprop', changes: {} }], `deepstudy-${scale()}`)),
    ...(await runVariants(study, cfg.deepLayers, 'cdni', deepStudyVariants(), `deepstudy-${scale()}`)),
  ];
}

export interface SynthDepthRuns {
  /** runSynthDepths, then runSynthSeeds. */
  synth: GridRun[];
  deep: GridRun[];
}

/** How close (points) to Bprop "as well as backprop" is: the paper's largest cDNI − Bprop gap on the MNIST FCNs, 0.2, rounded up to 0.5 (Table 2). */
export const SYNTH_MARGIN = 0.5;

/** Figure 14's linear synthesizers and the 21-layer cDNI network, each judged by the tie rule (tie-rule.ts). */
export function synthDepthClaims(cfg: SynthDepthConfig, r: SynthDepthRuns): Claim[] {
  const byDepth = cfg.synthDepths.map((h) => ({ h, ...namedError(r.synth, synthName('cdni', h)) }));
  const linear = byDepth.find((c) => c.h === 0)!;
  const others = byDepth.filter((c) => c.h !== 0);
  const [cdni, bprop] = [namedError(r.deep, 'cDNI'), namedError(r.deep, 'Bprop')];
  const m = SYNTH_MARGIN;
  return [
    {
      claim: 'Linear synthesizers do best for cDNI (section C, Figure 14)',
      criterion: `the linear cDNI run's test error below every deeper synthesizer's (mean of the last ${LAST_EVALS} evaluations, 3 seeds where within a point); ${TIE_RULE_TEXT}`,
      verdict: verdictOf(others.map((c) => ({ favour: c.error - linear.error, spread: Math.max(c.width, linear.width) }))),
      evidence: byDepth.map((c) => `${c.h} hidden: ${c.error.toFixed(2)}%${c.spread}`).join(', '),
    },
    {
      claim: `cDNI trains a ${cfg.deepLayers}-layer FCN as well as backprop (section C: 2% at 21 layers, the same as backprop)`,
      criterion: `|cDNI − Bprop| ≤ ${m} points (mean of the last ${LAST_EVALS} evaluations; the paper's largest cDNI gap on the MNIST FCNs of Table 2, rounded up to 0.5); ${TIE_RULE_TEXT}`,
      verdict: verdictOf([{ favour: m - Math.abs(cdni.error - bprop.error), spread: Math.max(cdni.width, bprop.width), inclusive: true }]),
      evidence: `cDNI ${cdni.error.toFixed(2)}%, Bprop ${bprop.error.toFixed(2)}% after ${cfg.deepSteps} steps`,
    },
  ];
}

export function synthDepthSentence(cfg: SynthDepthConfig, r: SynthDepthRuns): string {
  const e = (runs: GridRun[], name: string) => namedError(runs, name).error.toFixed(2);
  return (
    `At ${cfg.grid.run.steps} steps on a ${cfg.grid.depths[0]}-layer MNIST FCN, cDNI reached ` +
    cfg.synthDepths
      .map((h) => `${e(r.synth, synthName('cdni', h))}% with ${h === 0 ? 'a linear' : `a ${h}-hidden-layer`} synthesizer`)
      .join(', ') +
    ` (Bprop ${e(r.synth, 'Bprop')}%), and at ${cfg.deepSteps} steps a ${cfg.deepLayers}-layer FCN reached ${e(r.deep, 'cDNI')}% with linear cDNI against ${e(r.deep, 'Bprop')}% with Bprop` +
    (r.deep.some((x) => x.method === 'nobprop') ? ` and ${e(r.deep, 'No Bprop')}% training the classifier alone (No Bprop).` : '.')
  );
}

export const SYNTH_DEPTH_SECTION: Section<SynthDepthConfig, SynthDepthRuns> = {
  paper: 'section C, Figure 14 (synthesizer depth) and the 21-layer cDNI network',
  settings: 'section D.1',
  preset: SYNTH_DEPTH_PRESET,
  check: (c) => {
    gridConfig(c.grid);
    return c;
  },
  run: async (c) => {
    const synth = await runSynthDepths(c);
    const deep = await runDeep(c);
    return { synth: [...synth, ...(await runSynthSeeds(c, synth))], deep };
  },
  claims: synthDepthClaims,
  // The notebook's sentence has no count of claims; kept so, as printed before.
  summary: (c, r) => synthDepthSentence(c, r),
};

/** The best cDNI variant of the deep study against the config as above, and Bprop. */
export function deepStudySentence(runs: GridRun[]): string {
  const cdni = runs.filter((r) => r.method === 'cdni');
  const best = bestRun(cdni);
  return `Lowest validation error among the cDNI variants: ${best.name} (${lastMean(best.run).toFixed(2)}%, against ${lastMean(cdni[0].run).toFixed(2)}% as above and ${lastMean(runs[0].run).toFixed(2)}% for Bprop).`;
}
