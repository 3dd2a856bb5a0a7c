/**
 * A grid of methods × depths for one model family (paper section C, Table 2): its config, built
 * from the trainer and run spec types and validated once, and the runs.
 *
 *   const config = gridConfig({ ...TABLE2_PRESETS.mnistFcn.cpu, steps: 2000 });   // an ablation
 *   const runs = await runGrid(config, 'table2-cpu');
 */
import { cifarCnn, cifarFcn, mnistCnn, mnistFcn } from '../networks/build';
import { bool, checkKeys, oneOf, posInt } from '../core/validators';
import type { NetworkSpec } from '../networks/spec';
import { ConfigError } from '../core/errors';
import { type SynthesizerSpec, SYNTHESIZER_KEYS } from '../synthesizers/spec';
import type { RunInput } from '../runs/train-classifier';
import type { RunResult } from '../runs/loop';
import type { BPLambdaInput } from '../trainers/spec';
import {
  type SyntheticInputSpec,
  SYNTHETIC_INPUT_DEFAULTS,
  SYNTHETIC_INPUT_KEYS,
  validateSyntheticInputSpec,
} from '../synthesizers/synthetic-input';
import type { DatasetName } from './datasets';
import { type MethodName, methodLabel, methodSpec, parseMethod } from './methods';
import { TABLE2 } from './paper';
import { experimentSpec, type ExperimentSpec, runExperiment } from './run-classifier';

export type Family = keyof typeof TABLE2;
export const FAMILY_NAMES: Record<Family, string> = {
  mnistFcn: 'MNIST FCN',
  cifarFcn: 'CIFAR-10 FCN',
  mnistCnn: 'MNIST CNN',
  cifarCnn: 'CIFAR-10 CNN',
};
export const FAMILY_DATASETS: Record<Family, 'mnist' | 'cifar10'> = {
  mnistFcn: 'mnist',
  cifarFcn: 'cifar10',
  mnistCnn: 'mnist',
  cifarCnn: 'cifar10',
};

export interface GridConfig {
  family: Family;
  /** Layers, counting the classifier (the paper: FCNs 3–6, CNNs 3–4). */
  depths: number[];
  methods: MethodName[];
  /** Hidden units per layer (FCN) or filters per conv layer (CNN). */
  width: number;
  /** The trainer of every cell, less the network and λ (set by family, depth and method) and the synthetic inputs (set by the method). */
  trainer: Omit<BPLambdaInput, 'network' | 'lambda' | 'syntheticInputs'>;
  /**
   * Synthesizer overrides per method, e.g. { cdni: { hiddenLayers: 0 }, stale: { decay: 0.99 } }; the method sets the conditioning.
   * 'dni+unlock' and 'cdni+unlock' take their base's override, then their own (the paper's complete unlock: one hidden layer).
   */
  methodSynthesizers: Partial<Record<string, Partial<SynthesizerSpec>>>;
  /** The synthetic inputs of the '+unlock' methods, over the paper's shape (SYNTHETIC_INPUT_DEFAULTS: one hidden layer of 1024). */
  syntheticInputs?: Partial<SyntheticInputSpec>;
  /** The run of every cell, less the trainer. */
  run: Omit<RunInput, 'trainer'>;
  /** Train on the training set less a held-out part and evaluate on that part (datasets.ts), to choose settings. */
  validation?: boolean;
}

export const GRID_KEYS = ['family', 'depths', 'methods', 'width', 'trainer', 'methodSynthesizers', 'syntheticInputs', 'run', 'validation'];
export const METHOD_SYNTHESIZER_KEYS = [
  'nobprop',
  'bprop',
  'dni',
  'cdni',
  'stale',
  'lambda',
  'dni+unlock',
  'cdni+unlock',
  'critic',
  'ccritic',
];
const validated = new WeakSet<object>();

/** The network of a family at a depth and width. */
function networkFor(family: Family, depth: number, width: number): NetworkSpec {
  const build = { mnistFcn, cifarFcn, mnistCnn, cifarCnn }[family];
  return build(depth, width);
}

/** The experiment of one cell (depth × method), with an optional synthesizer override on top. */
export function cellSpec(cfg: GridConfig, depth: number, method: MethodName, synth?: Partial<SynthesizerSpec>, path = ''): ExperimentSpec {
  const network = networkFor(cfg.family, depth, cfg.width);
  const m = methodSpec(method, depth, path ? `${path}.methods` : 'methods');
  const p = parseMethod(method);
  const trainer: BPLambdaInput = {
    ...cfg.trainer,
    network,
    lambda: m.lambda,
    synthesizer: {
      ...cfg.trainer.synthesizer,
      ...cfg.methodSynthesizers[p.base],
      ...(p.unlock ? cfg.methodSynthesizers[`${p.base}+unlock`] : {}),
      ...synth,
      ...m.synthesizer,
    },
    ...(m.syntheticInputs ? { syntheticInputs: { ...m.syntheticInputs, ...cfg.syntheticInputs } } : {}),
    ...(m.feedback ? { feedback: m.feedback } : {}),
  };
  const dataset = cfg.validation ? (`${FAMILY_DATASETS[cfg.family]}-validation` as DatasetName) : FAMILY_DATASETS[cfg.family];
  return experimentSpec({ dataset, run: { ...cfg.run, trainer } }, path);
}

/**
 * Validate a grid config once, naming the field on error: its own fields, and every cell's
 * trainer and run spec (errors read e.g. `run.trainer.synthesizer.width`).
 */
export function gridConfig(cfg: GridConfig): GridConfig {
  if (validated.has(cfg)) return cfg;
  checkKeys(cfg, GRID_KEYS, '');
  oneOf(cfg.family, Object.keys(TABLE2), 'family');
  if (!Array.isArray(cfg.depths) || cfg.depths.length === 0) throw new ConfigError('depths', 'must be a non-empty array of layer counts');
  cfg.depths.forEach((d, i) => {
    posInt(d, `depths[${i}]`);
    if (d < 2) throw new ConfigError(`depths[${i}]`, `a network needs at least 2 layers (one connection), got ${d}`);
  });
  if (!Array.isArray(cfg.methods) || cfg.methods.length === 0)
    throw new ConfigError('methods', 'must be a non-empty array of method names');
  cfg.methods.forEach((m, i) => parseMethod(m, `methods[${i}]`));
  posInt(cfg.width, 'width');
  if (cfg.validation !== undefined) bool(cfg.validation, 'validation');
  checkKeys(cfg.methodSynthesizers, METHOD_SYNTHESIZER_KEYS, 'methodSynthesizers');
  // Complete unlock belongs to a method, so a cell's label says whether it is on.
  const inputs = (cfg.trainer as BPLambdaInput).syntheticInputs;
  if (inputs !== undefined && inputs !== null) {
    throw new ConfigError(
      'trainer.syntheticInputs',
      "is set by the method in a grid: use 'dni+unlock' or 'cdni+unlock', and the grid's syntheticInputs field for the models' shape",
    );
  }
  if (cfg.syntheticInputs !== undefined) {
    checkKeys(cfg.syntheticInputs, SYNTHETIC_INPUT_KEYS, 'syntheticInputs');
    validateSyntheticInputSpec({ ...SYNTHETIC_INPUT_DEFAULTS, ...cfg.syntheticInputs }, 'syntheticInputs');
  }
  for (const [k, s] of Object.entries(cfg.methodSynthesizers)) {
    checkKeys(s, SYNTHESIZER_KEYS, `methodSynthesizers.${k}`);
    // The method sets these (methodSpec): an override would be silently replaced.
    for (const f of ['kind', 'conditioned', 'valueTarget'] as const)
      if (s?.[f] !== undefined)
        throw new ConfigError(`methodSynthesizers.${k}.${f}`, `is set by the method name (e.g. 'ccritic+boot'), not here`);
  }
  for (const d of cfg.depths) for (const m of cfg.methods) cellSpec(cfg, d, m);
  validated.add(cfg);
  return cfg;
}

export interface GridRun {
  depth: number;
  method: MethodName;
  /** A label for legends and tables, e.g. "DNI" (or the variant's name). */
  name: string;
  run: RunResult;
  /** The seed of a cell re-run with other seeds (runSeeds); absent for the grid's own run. */
  seed?: number;
}

/** Train (or reuse) one cell of the grid. */
export async function runGridCell(
  cfg: GridConfig,
  depth: number,
  method: MethodName,
  cacheName: string,
  synth?: Partial<SynthesizerSpec>,
  label?: string,
  opts: { recordDivergence?: boolean } = {},
): Promise<RunResult> {
  gridConfig(cfg);
  const name = label ?? methodLabel(method);
  return runExperiment(cacheName, cellSpec(cfg, depth, method, synth), { label: `${FAMILY_NAMES[cfg.family]} ${depth}L ${name}`, ...opts });
}

/** Every depth × method of the grid, in order. `prefix` names the cache files. */
export async function runGrid(cfg: GridConfig, prefix: string): Promise<GridRun[]> {
  gridConfig(cfg);
  const out: GridRun[] = [];
  for (const depth of cfg.depths) {
    for (const method of cfg.methods) {
      const run = await runGridCell(cfg, depth, method, `${prefix}-${cfg.family}-${depth}-${method}`);
      out.push({ depth, method, name: methodLabel(method), run });
    }
  }
  return out;
}

/**
 * More seeds for some cells (e.g. closeCells of the claims): each seed sets the trainer's seed
 * (initial weights, synthesizers) and the data order. Claims and tables average a cell's seeds.
 */
export async function runSeeds(
  cfg: GridConfig,
  cells: { depth: number; method: MethodName }[],
  seeds: number[],
  prefix: string,
): Promise<GridRun[]> {
  gridConfig(cfg);
  const out: GridRun[] = [];
  for (const seed of seeds) {
    if (seed === cfg.trainer.seed && seed === cfg.run.dataSeed)
      throw new ConfigError('seeds', `seed ${seed} is the grid's own run; choose others`);
    const c = gridConfig({ ...cfg, trainer: { ...cfg.trainer, seed }, run: { ...cfg.run, dataSeed: seed } });
    for (const { depth, method } of cells) {
      const run = await runGridCell(
        c,
        depth,
        method,
        `${prefix}-${cfg.family}-${depth}-${method}-seed${seed}`,
        undefined,
        `${methodLabel(method)} (seed ${seed})`,
      );
      out.push({ depth, method, name: methodLabel(method), run, seed });
    }
  }
  return out;
}
