/**
 * Copy at one fixed level, no curriculum (main text: DNI lets a truncated-BPTT RNN learn
 * dependencies beyond its unroll; settings in D.2): an N that truncated BPTT at the unroll T learns
 * only partly in the budget, sequences starting at varied offsets so that items cross one or two
 * chunk boundaries between read and write, and the error split by that count (runs/copy-check.ts).
 * If DNI carries gradient across a boundary, this is where it shows first. 2 seeds per method.
 */
import type { CopyRunInput, CopyRunResult } from '../../runs/train-copy';
import type { RecurrentInput } from '../../trainers/recurrent-spec';
import { type Claim, shownText } from '../claim';
import type { Preset } from '../preset';
import { runCopy } from '../run-copy';
import { scale } from '../scale';
import { range, TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import type { Section } from '../section';
import { CHOSEN_DNI, lastQuarter, type StudyConfig, STUDY_PRESET, TRACKING_DNI } from './recurrent-study';

export interface FixedCopyMethod {
  /** Its label in tables and figures. */
  name: string;
  /** 'bptt', or the DNI variant's trainer fields. */
  trainer: Omit<RecurrentInput, 'inputs' | 'outputs' | 'T'>;
}

export interface FixedCopyConfig {
  /** The study's base run with its task seed replaced per seed (never the study's). */
  base: StudyConfig['base'];
  methods: FixedCopyMethod[];
  /** Trainer and task seeds, one run each (the task stream's seed is 100 + seed). */
  seeds: number[];
}

/** BPTT, DNI at D.2's settings, and DNI / DNI+Aux with the settings the study chose. */
export const FIXED_COPY_METHODS: FixedCopyMethod[] = [
  { name: 'BPTT', trainer: { method: 'bptt' } },
  { name: 'DNI (D.2 settings)', trainer: { method: 'dni' } },
  { name: 'DNI (chosen)', trainer: CHOSEN_DNI },
  { name: 'DNI+Aux (chosen)', trainer: { ...CHOSEN_DNI, method: 'dniAux' } },
  // The study's variant whose synthetic gradient tracked the true future gradient best.
  { name: 'DNI (batch-mean units)', trainer: { ...CHOSEN_DNI, synthesizer: { targetUnits: 'batchMean' } } },
  // A control: the chosen DNI with every sequence consuming another sequence's synthetic gradient.
  { name: 'Control: DNI (chosen), SG rows shuffled', trainer: { ...CHOSEN_DNI, shuffleSG: true } },
  // Added later (run names carry the index): the study's tracking choice, and its control.
  { name: 'DNI (tracking: batch-mean units, leaky ReLU)', trainer: TRACKING_DNI },
  { name: 'Control: DNI (tracking), SG rows shuffled', trainer: { ...TRACKING_DNI, shuffleSG: true } },
];

const fixedCpu: FixedCopyConfig = { base: { ...STUDY_PRESET.cpu.base, steps: 6000 }, methods: FIXED_COPY_METHODS, seeds: [0, 1] };

export const FIXED_COPY_PRESET: Preset<FixedCopyConfig> = {
  paper: { ...fixedCpu, base: { ...STUDY_PRESET.paper.base } },
  cpu: fixedCpu,
  smoke: { ...fixedCpu, base: STUDY_PRESET.smoke.base, seeds: [0] },
  why: {
    'base.trainer.hidden': '256 → 128 LSTM units, for time (as in the Copy runs)',
    'base.trainer.optimizer.lr': '7e-5 → 1e-3, as in the Copy runs',
    'base.steps': 'the paper has no fixed-level run; 6k batches of 64 (384k sequences) per run, ~1 min each',
    'base.batchSize': '256 → 64 sequences per batch, as in the Copy runs',
  },
};

export interface FixedCopyRun {
  method: FixedCopyMethod;
  seed: number;
  run: CopyRunResult;
}

async function runFixed(cfg: FixedCopyConfig): Promise<FixedCopyRun[]> {
  const out: FixedCopyRun[] = [];
  for (const [i, method] of cfg.methods.entries()) {
    for (const seed of cfg.seeds) {
      const input = { ...cfg.base, trainer: { ...cfg.base.trainer, ...method.trainer, seed }, dataSeed: 100 + seed } as CopyRunInput;
      const name = `fixed-${scale()}-copy-T${cfg.base.trainer.T}-N${cfg.base.curriculum.start?.N ?? 1}-${i}-s${seed}`;
      const run = await runCopy(name, input, { label: `${method.name}, T = ${cfg.base.trainer.T}, seed ${seed}` });
      out.push({ method, seed, run });
    }
  }
  return out;
}

/** Bits per sequence over the last quarter of checks. */
export const lastBits = (r: CopyRunResult) => lastQuarter(r, (h) => h.bits);

/** The bit error over the last quarter of checks of the items that cross `n` boundaries. */
export const lastCrossingError = (r: CopyRunResult, n: number) =>
  lastQuarter(r, (h) => h.crossings.find((c) => c.crossings === n)?.bitError);

/** The crossing counts a run's checks saw, in order. */
export const crossingCounts = (r: CopyRunResult): number[] =>
  [...new Set(r.history.flatMap((h) => h.crossings.map((c) => c.crossings)))].sort((a, b) => a - b);

/** The synthesizer's cosine with the true future gradient over the last quarter of checks. */
export const lastCosTrue = (r: CopyRunResult) => lastQuarter(r, (h) => h.probe?.cosTrue);

/** The mean over seeds of lastBits. */
const mean = (rs: FixedCopyRun[]) => rs.reduce((s, r) => s + lastBits(r.run), 0) / rs.length;

function fixedClaims(cfg: FixedCopyConfig, runs: FixedCopyRun[]): Claim[] {
  const of = (name: string) => runs.filter((r) => r.method.name === name);
  const bptt = of('BPTT');
  const claims: Claim[] = [];
  for (const m of cfg.methods.filter((x) => x.trainer.method !== 'bptt' && !x.trainer.shuffleSG)) {
    const dni = of(m.name);
    if (!dni.length || !bptt.length) continue;
    const spread = Math.max(range(dni.map((r) => lastBits(r.run))), range(bptt.map((r) => lastBits(r.run))));
    const cos = dni.map((r) => lastCosTrue(r.run).toFixed(2)).join(', ');
    claims.push({
      claim: `${m.name}: DNI lets truncated BPTT learn a dependency across the truncation (main text), Copy at a fixed N`,
      criterion: `lower bits per sequence than truncated BPTT at the same T over the last quarter of checks (mean of ${dni.length} seeds); ${TIE_RULE_TEXT}`,
      verdict: verdictOf([{ favour: mean(bptt) - mean(dni), spread }]),
      evidence: `${m.name} ${mean(dni).toFixed(2)} bits, BPTT ${mean(bptt).toFixed(2)} (seed spread ${spread.toFixed(2)}); its synthetic gradient's cosine with the true future gradient: ${cos}`,
    });
  }
  // The control: the same DNI with every sequence consuming another's synthetic gradient.
  for (const c of cfg.methods.filter((x) => x.trainer.shuffleSG)) {
    const twin = cfg.methods.find((x) => x !== c && JSON.stringify({ ...x.trainer, shuffleSG: true }) === JSON.stringify(c.trainer));
    const [own, shuffled] = [of(twin?.name ?? ''), of(c.name)];
    if (!own.length || !shuffled.length) continue;
    const spread = Math.max(range(own.map((r) => lastBits(r.run))), range(shuffled.map((r) => lastBits(r.run))));
    claims.push({
      claim: `${twin!.name}: its gain needs what the synthetic gradient says about each sequence (a control, ours)`,
      criterion: `lower bits per sequence than the same run with the synthetic gradients of the batch's sequences shuffled; ${TIE_RULE_TEXT}`,
      verdict: verdictOf([{ favour: mean(shuffled) - mean(own), spread }]),
      evidence: `${twin!.name} ${mean(own).toFixed(2)} bits, shuffled ${mean(shuffled).toFixed(2)} (seed spread ${spread.toFixed(2)})`,
    });
  }
  return claims;
}

export const FIXED_COPY_SECTION: Section<FixedCopyConfig, FixedCopyRun[]> = {
  paper: 'main text (the RNN claims); Copy as in D.2, at a fixed level',
  settings: 'section D.2',
  preset: FIXED_COPY_PRESET,
  check: (c) => c, // each run's spec is validated by runCopy, naming the field
  run: runFixed,
  claims: fixedClaims,
  summary: (cfg, runs, claims) => {
    const lv = cfg.base.curriculum.start ?? { N: 1 };
    const names = [...new Set(runs.map((r) => r.method.name))];
    const bits = names.map((n) => `${n} ${mean(runs.filter((r) => r.method.name === n)).toFixed(2)}`);
    return `Copy at N = ${lv.N}, T = ${cfg.base.trainer.T}, ${cfg.base.steps} batches of ${cfg.base.batchSize}: bits per sequence over the last quarter, ${bits.join(', ')}; ${shownText(claims)}.`;
  },
};
