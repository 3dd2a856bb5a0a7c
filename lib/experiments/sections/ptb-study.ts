/**
 * Settings of the Penn Treebank runs chosen on the validation split (D.2 chose its learning rate
 * the same way): gradient clipping for every method alike, and whether the synthesizer's
 * regression error goes into the core (D.2's search), at the unroll where a DNI run blew up.
 * Each variant is one run (trainer seed 7, never a main run's), scored by its best validation BPC.
 */
import type { CharLmInput, CharLmResult } from '../../runs/train-char-lm';
import type { RecurrentInput } from '../../trainers/recurrent-spec';
import type { Preset } from '../preset';
import { runCharLm } from '../run-char-lm';
import { scale } from '../scale';
import { type CharLmConfig, PTB_PRESET } from './penn-treebank';

export interface PtbStudyVariant {
  name: string;
  trainer: Omit<RecurrentInput, 'inputs' | 'outputs' | 'T'>;
}

export interface PtbStudyConfig {
  /** The main runs' settings, less what the variants set. */
  base: CharLmInput;
  variants: PtbStudyVariant[];
}

const D2 = { method: 'dni', sgToCore: false } as const;
const CORE = { method: 'dni', sgToCore: true } as const;

const VARIANTS: PtbStudyVariant[] = [
  { name: 'BPTT, no clipping', trainer: { method: 'bptt', clipNorm: 0 } },
  { name: 'BPTT, clip 1', trainer: { method: 'bptt', clipNorm: 1 } },
  { name: 'DNI (D.2 settings), no clipping', trainer: { ...D2, clipNorm: 0 } },
  { name: 'DNI (D.2 settings), clip 1', trainer: { ...D2, clipNorm: 1 } },
  { name: 'DNI, into the core, no clipping', trainer: { ...CORE, clipNorm: 0 } },
  { name: 'DNI, into the core, clip 1', trainer: { ...CORE, clipNorm: 1 } },
];

function studyOf(base: CharLmConfig['run'], T: number, variants = VARIANTS): PtbStudyConfig {
  // The method comes from each variant.
  return { base: { ...base, trainer: { ...base.trainer, T, seed: 7 } } as CharLmInput, variants };
}

export const PTB_STUDY_PRESET: Preset<PtbStudyConfig> = {
  paper: studyOf(PTB_PRESET.paper.run, 2),
  cpu: studyOf(PTB_PRESET.cpu.run, 2),
  smoke: studyOf(PTB_PRESET.smoke.run, 2, [VARIANTS[1], VARIANTS[5]]),
  why: {},
};

export interface PtbStudyRow {
  variant: PtbStudyVariant;
  run: CharLmResult;
}

export async function runPtbStudy(cfg: PtbStudyConfig): Promise<PtbStudyRow[]> {
  const rows: PtbStudyRow[] = [];
  for (const [i, v] of cfg.variants.entries()) {
    const input = { ...cfg.base, trainer: { ...cfg.base.trainer, ...v.trainer } } as CharLmInput;
    rows.push({ variant: v, run: await runCharLm(`ptbstudy-${scale()}-${i}`, input, { label: v.name }) });
  }
  return rows;
}

/**
 * The study's choice, by its rule: the clipping with the lower best validation BPC averaged over
 * the methods (every method gets the same), then, at that clipping, the regression error into
 * the core or not, whichever DNI scored lower.
 */
export function ptbStudyChoice(rows: PtbStudyRow[]): { clipNorm: number; sgToCore: boolean } {
  const score = (rs: PtbStudyRow[]) => rs.reduce((s, r) => s + r.run.best.validBpc, 0) / rs.length;
  const clips = [...new Set(rows.map((r) => r.variant.trainer.clipNorm ?? 0))];
  const clipNorm = clips.reduce((a, b) =>
    score(rows.filter((r) => (r.variant.trainer.clipNorm ?? 0) === b)) < score(rows.filter((r) => (r.variant.trainer.clipNorm ?? 0) === a))
      ? b
      : a,
  );
  const dni = rows.filter((r) => r.variant.trainer.method === 'dni' && (r.variant.trainer.clipNorm ?? 0) === clipNorm);
  if (!dni.length) throw new Error(`ptbStudyChoice: the study has no DNI variant with clipping ${clipNorm}`);
  const best = dni.reduce((a, b) => (b.run.best.validBpc < a.run.best.validBpc ? b : a));
  return { clipNorm, sgToCore: !!best.variant.trainer.sgToCore };
}
