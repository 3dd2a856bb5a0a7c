/**
 * The validation studies behind Table 2's cpu presets (notebooks 02–04): settings the paper
 * leaves open, or that our budget changes, chosen on a validation split (the last 10k MNIST or
 * 5k CIFAR-10 training images), never on the test set. One cell of the grid, one change at a time.
 */
import { gridConfig, type GridConfig, type GridRun } from '../grid';
import { type MethodName, methodLabel } from '../methods';
import { override } from '../preset';
import { bestRun, lastMean } from '../results';
import { pick, scale } from '../scale';
import { runVariants, type Variant } from '../variants';
import { TABLE2_PRESETS } from './table2';

export interface Study {
  /** The grid on the validation split. */
  config: GridConfig;
  /** The depth studied. */
  depth: number;
  runs: GridRun[];
}

const RATES = [3e-4, 1e-4];

/** A method at each of the two learning rates compared. */
function atRates(study: GridConfig, depth: number, method: MethodName): Promise<GridRun[]> {
  return runVariants(
    study,
    depth,
    method,
    RATES.map((lr) => ({ name: `${methodLabel(method)}: lr ${lr}`, changes: { 'trainer.optimizer.lr': lr } })),
    `study-${scale()}`,
  );
}

/** DNI's variants, then cDNI, Bprop and No Bprop at both rates (one rate serves the whole grid, as in the paper), at 4 layers. */
async function dniStudy(config: GridConfig, variants: Variant[]): Promise<Study> {
  const depth = config.depths.includes(4) ? 4 : config.depths[config.depths.length - 1];
  const runs = [
    ...(await runVariants(config, depth, 'dni', variants, `study-${scale()}`)),
    ...(await atRates(config, depth, 'cdni')),
    ...(await atRates(config, depth, 'bprop')),
    ...(await atRates(config, depth, 'nobprop')),
  ];
  return { config, depth, runs };
}

/** Notebook 02: the MNIST FCN preset as it stood before the study (lr 3e-4, DNI synthesizers 2×256), at the scale in use. */
export function mnistFcnStudy(): Promise<Study> {
  const config = gridConfig(
    override(pick(TABLE2_PRESETS.mnistFcn), { validation: true, 'trainer.optimizer.lr': 3e-4, 'trainer.synthesizer.width': 256 }),
  );
  return dniStudy(config, [
    { name: 'DNI: lr 3e-4, 2×256', changes: {} },
    { name: 'DNI: lr 1e-4', changes: { 'trainer.optimizer.lr': 1e-4 } },
    { name: 'DNI: 2×1024 (the paper)', changes: { 'trainer.synthesizer.width': 1024 } },
    { name: 'DNI: 2×1024, lr 1e-4', changes: { 'trainer.synthesizer.width': 1024, 'trainer.optimizer.lr': 1e-4 } },
    { name: 'DNI: SG scale 0.1', changes: { 'trainer.synthesizer.scale': 0.1 } },
    // Targets made with a copy of each synthesizer refreshed every 100 steps, as target networks in TD learning (off in the paper).
    { name: 'DNI: 2×1024, frozen target copies', changes: { 'trainer.synthesizer.width': 1024, 'trainer.targetRefresh': 100 } },
  ]);
}

/** Notebook 03: the CIFAR-10 FCN config (the cpu preset at the scale in use), with its synthesizer width halved or its depth doubled. */
export function cifarFcnStudy(cfg: GridConfig): Promise<Study> {
  const config = gridConfig(override(cfg, { validation: true }));
  const w = config.trainer.synthesizer!.width!;
  return dniStudy(config, [
    { name: `DNI: lr 3e-4, 1×${w}`, changes: {} },
    { name: 'DNI: lr 1e-4', changes: { 'trainer.optimizer.lr': 1e-4 } },
    { name: `DNI: 1×${w / 2}`, changes: { 'trainer.synthesizer.width': w / 2 } },
    { name: `DNI: 2×${w}`, changes: { 'trainer.synthesizer.hiddenLayers': 2 } },
    { name: 'DNI: SG scale 0.1', changes: { 'trainer.synthesizer.scale': 0.1 } },
  ]);
}

/** Notebook 04: every method of the CIFAR-10 CNN at both learning rates, at its smallest depth, on the whole validation split. */
export async function cnnRateStudy(cfg: GridConfig): Promise<Study> {
  // The study reads validation error only: no training-error pass over 45k images.
  const config = gridConfig(override(cfg, { validation: true, 'run.trainEvalExamples': 0 }));
  const depth = config.depths[0];
  const runs: GridRun[] = [];
  for (const method of config.methods) runs.push(...(await atRates(config, depth, method)));
  return { config, depth, runs };
}

/** The best DNI variant against the first (the preset studied), and the other methods at each rate. */
export function dniStudySentence(study: Study, first: string): string {
  const dni = study.runs.filter((r) => r.method === 'dni');
  const best = bestRun(dni);
  const byLr = (lr: string) =>
    study.runs
      .filter((r) => r.name.endsWith(`lr ${lr}`))
      .map((r) => `${r.name.split(':')[0]} ${lastMean(r.run).toFixed(2)}%`)
      .join(', ');
  return (
    `Lowest validation error among the DNI variants: ${best.name} (${lastMean(best.run).toFixed(2)}%, against ${lastMean(dni[0].run).toFixed(2)}% for ${first}). ` +
    `The other methods at lr 3e-4: ${byLr('0.0003')}; at lr 1e-4: ${byLr('0.0001')}.`
  );
}

/** The learning rate each method prefers on the validation split. */
export function rateStudySentence(study: Study): string {
  const rate = (r: GridRun) => r.name.split('lr ')[1];
  return (
    'Preferred learning rate on the validation split: ' +
    study.config.methods
      .map((m) => {
        const [a, b] = study.runs.filter((r) => r.method === m);
        const [ea, eb] = [lastMean(a.run), lastMean(b.run)];
        return `${methodLabel(m)} ${ea <= eb ? rate(a) : rate(b)} (${ea.toFixed(2)}% at ${rate(a)}, ${eb.toFixed(2)}% at ${rate(b)})`;
      })
      .join('; ') +
    '.'
  );
}
