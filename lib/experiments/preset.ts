/**
 * The preset machinery: a section's settings at three scales (the paper's, our `cpu` and `smoke`),
 * the reasons `cpu` departs from the paper, and ablations by dotted path. Section D.1's shared
 * feed-forward settings are here too; each section's own presets are in sections/.
 *
 *   const config = gridConfig(override(pick(TABLE2_PRESETS.mnistFcn), { 'run.steps': 2000 }));
 */
import type { RunInput } from '../runs/train-classifier';
import type { BPLambdaInput } from '../trainers/spec';
import type { Family, GridConfig } from './grid';
import { PAPER_ADAM, PAPER_BATCH, PAPER_STEPS } from './paper';

export interface Preset<C> {
  paper: C;
  cpu: C;
  smoke: C;
  /** Why `cpu` differs from `paper`, by dotted field path (e.g. 'run.steps'). */
  why: Record<string, string>;
}

/** Section D.1: what every feed-forward experiment shares. */
export const PAPER_TRAINER: Omit<BPLambdaInput, 'network' | 'lambda'> = {
  synthesizer: {
    // Not stated in the paper: synthesizers predict per-example gradients (÷B when used); on a
    // validation split (last 10k training images) this fit far better with Adam than batch-mean
    // units (cDNI, 3 layers, 1k steps: 2.5% vs 5.1% error).
    targetUnits: 'perExample',
    // Not stated in the paper: Σ over batch and units.
    lossReduction: 'sum',
    lossWeight: 1,
    scale: 1,
  },
  optimizer: PAPER_ADAM, // Adam, lr 3e-5, ÷10 at 300k and 400k steps
  seed: 1,
};

export const PAPER_RUN: Omit<RunInput, 'trainer'> = {
  steps: PAPER_STEPS,
  batchSize: PAPER_BATCH,
  evalEvery: 10_000,
  evalExamples: 0, // the whole test set at every evaluation
  trainEvalExamples: 10_000, // training error on 10k training images, evaluation mode
  dataSeed: 1,
};

/** The cpu scale's optimizer: 3e-5 barely moves a network in the ~1k steps we can afford. */
export const CPU_ADAM = { ...PAPER_ADAM, lr: 3e-4, decaySteps: [] };
export const CPU_LR_WHY =
  'lr 3e-5 barely moves a network in ~1k steps; 3e-4 trained stably on a validation split (last 10k training images); no decay within the budget';

/** A grid of Table 2's four methods at the paper's settings (D.1). */
export function paperGrid(
  family: Family,
  depths: number[],
  width: number,
  synthesizer: GridConfig['trainer']['synthesizer'],
  methodSynthesizers: GridConfig['methodSynthesizers'],
): GridConfig {
  return {
    family,
    depths,
    methods: ['nobprop', 'bprop', 'dni', 'cdni'],
    width,
    trainer: { ...PAPER_TRAINER, synthesizer: { ...PAPER_TRAINER.synthesizer, ...synthesizer } },
    methodSynthesizers,
    run: PAPER_RUN,
  };
}

export interface Scaling {
  run?: Partial<GridConfig['run']>;
  synthesizer?: GridConfig['trainer']['synthesizer'];
  methodSynthesizers?: GridConfig['methodSynthesizers'];
  width?: number;
  depths?: number[];
  optimizer?: typeof CPU_ADAM;
}

/** A grid with its budget, widths or optimizer changed (a cpu or smoke scale of it). */
export function scaled(base: GridConfig, o: Scaling): GridConfig {
  return {
    ...base,
    depths: o.depths ?? base.depths,
    width: o.width ?? base.width,
    trainer: {
      ...base.trainer,
      synthesizer: { ...base.trainer.synthesizer, ...o.synthesizer },
      optimizer: o.optimizer ?? base.trainer.optimizer,
    },
    methodSynthesizers: o.methodSynthesizers ?? base.methodSynthesizers,
    run: { ...base.run, ...o.run },
  };
}

/** A preset's reasons under a prefix, for a config that nests a grid ('run.steps' → 'grid.run.steps'). */
export function nested(why: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(why).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** Dotted paths and values of a config's leaves (arrays are leaves). */
export function flatten(value: unknown, prefix = ''): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { [prefix]: value };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.assign(out, flatten(v, prefix ? `${prefix}.${k}` : k));
  return out;
}

export interface Deviation {
  field: string;
  paper: string;
  cpu: string;
  why: string;
}

/** Every field where `cpu` differs from `paper`, with its reason (a missing reason is an error). */
export function deviations<C>(preset: Preset<C>): Deviation[] {
  const p = flatten(preset.paper);
  const c = flatten(preset.cpu);
  const out: Deviation[] = [];
  for (const field of Object.keys({ ...p, ...c })) {
    const [a, b] = [JSON.stringify(p[field]), JSON.stringify(c[field])];
    if (a === b) continue;
    const why = preset.why[field];
    if (!why) throw new Error(`preset: cpu differs from paper in '${field}' (${a} → ${b}) with no reason given in 'why'`);
    out.push({ field, paper: a ?? '—', cpu: b ?? '—', why });
  }
  return out;
}

export { override } from './override';
