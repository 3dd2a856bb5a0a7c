/**
 * Copy and Repeat Copy (main text; settings in D.2, Figure 17; notebook 10): LSTMs trained with
 * truncated BPTT, DNI and DNI+Aux through a curriculum, at a few unrolls T.
 */
import type { CopyKind } from '../../tasks/copy';
import type { CopyRunInput, CopyRunResult } from '../../runs/train-copy';
import type { RecurrentInput, RecurrentMethod } from '../../trainers/recurrent-spec';
import { runTag } from '../../core/validators';
import { shownText, type Claim } from '../claim';
import { runCopy } from '../run-copy';
import { RECURRENT_LABELS } from '../methods';
import type { Preset } from '../preset';
import { samplesToDependency, stillClimbing } from '../results';
import { scale } from '../scale';
import { range, TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import { CHOSEN_DNI_FIELDS } from './recurrent-study';
import type { Section } from '../section';

export interface CopyConfig {
  /** The tasks run (D.2: both). */
  kinds: CopyKind[];
  methods: RecurrentMethod[];
  /** The BPTT unrolls compared (Figure 17 uses several). */
  Ts: number[];
  /** Trainer and task seeds: one run per seed and cell. */
  seeds: number[];
  /** Goes into the runs' names, so a variant's runs (other trainer fields) are cached apart ('': the main runs). */
  tag: string;
  /** Every run's settings, less the method, T and the task. */
  run: Omit<CopyRunInput, 'trainer' | 'curriculum'> & { trainer: Omit<RecurrentInput, 'method' | 'T' | 'inputs' | 'outputs'> };
}

/** Notebooks 09 and 10: Copy and Repeat Copy with truncated BPTT, DNI and DNI+Aux (D.2, Figure 17). */
const copyPaper: CopyConfig = {
  kinds: ['copy', 'repeatCopy'],
  methods: ['bptt', 'dni', 'dniAux'],
  Ts: [3, 5, 8],
  seeds: [0, 1],
  tag: '',
  run: {
    trainer: { ...CHOSEN_DNI_FIELDS, hidden: 256, optimizer: { lr: 7e-5 } },
    steps: 2_500_000,
    batchSize: 256,
    evalEvery: 1000,
    evalSequences: 256,
  },
};
export const COPY_PRESET: Preset<CopyConfig> = {
  paper: copyPaper,
  cpu: {
    ...copyPaper,
    Ts: [2, 3, 4],
    run: {
      trainer: { ...CHOSEN_DNI_FIELDS, hidden: 128, optimizer: { lr: 1e-3 } },
      steps: 8000,
      batchSize: 64,
      evalEvery: 200,
      evalSequences: 256,
    },
  },
  smoke: {
    ...copyPaper,
    Ts: [2],
    seeds: [0],
    run: {
      trainer: { ...CHOSEN_DNI_FIELDS, hidden: 8, optimizer: { lr: 1e-2 } },
      steps: 20,
      batchSize: 8,
      evalEvery: 5,
      evalSequences: 16,
      probeSequences: 8,
    },
  },
  why: {
    Ts: 'T = 2, 3 and 4 (the paper: 3, 5, 8): at this budget the levels trained are at most 7 steps long on Copy and 10 on Repeat Copy, so T = 8 would cut no Copy sequence (DNI would be the BPTT run) and only the last Repeat Copy level, once; left out for time',
    seeds: 'the paper shows one run per cell; 2 seeds here, for the tie rule',
    'run.trainer.hidden': '256 → 128 LSTM units, for time',
    'run.trainer.optimizer.lr':
      '7e-5 → 1e-3: 7e-5 barely moves an LSTM in a few thousand steps; 1e-3 solved the first Copy levels within a few hundred steps here (3e-4 took ~1650 steps for N = 1 at 64 units)',
    'run.steps': '2.5M → 8k batches of 64 (0.08% of the sequences): the 36 runs take ~16 min on 2 cores (32 min of single-process time)',
    'run.batchSize': '256 → 64 sequences per batch, for time',
    'run.evalEvery': 'a curriculum check every 200 batches: 40 points per curve',
  },
};

/** A Copy / Repeat Copy run of a method at an unroll T and a seed. */
export interface CopyCell {
  kind: 'copy' | 'repeatCopy';
  method: 'bptt' | 'dni' | 'dniAux';
  T: number;
  seed: number;
  run: CopyRunResult;
}

export const TASK_NAMES = { copy: 'Copy', repeatCopy: 'Repeat Copy' } as const;

/** Every task × T × method × seed of the config, in order. */
async function runCopyCells(cfg: CopyConfig): Promise<CopyCell[]> {
  const cells: CopyCell[] = [];
  for (const kind of cfg.kinds) {
    for (const T of cfg.Ts) {
      for (const method of cfg.methods) {
        for (const seed of cfg.seeds) {
          const label = `${TASK_NAMES[kind]} ${RECURRENT_LABELS[method]} T=${T} seed ${seed}`;
          const run = await runCopy(
            `copy-${scale()}-${cfg.tag ? `${cfg.tag}-` : ''}${kind}-${method}-T${T}-s${seed}`,
            { ...cfg.run, trainer: { ...cfg.run.trainer, method, T, seed }, curriculum: { kind }, dataSeed: seed },
            { label },
          );
          cells.push({ kind, method, T, seed, run });
        }
      }
    }
  }
  return cells;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The main text on Copy and Repeat Copy: at a given T, DNI at least doubles the time dependency
 * truncated BPTT learns, and learns with fewer samples. The first claim is about the limit BPTT
 * reaches; while BPTT's solved level still rises at the end of the budget, that limit is not
 * known: "not testable at this budget". Each cell is the mean over its seeds; the spread is the
 * larger of the two cells' ranges over seeds (a sequence count: at least one check interval).
 */
export function copyClaims(cells: CopyCell[]): Claim[] {
  const claims: Claim[] = [];
  for (const [kind, m] of (['copy', 'repeatCopy'] as const).flatMap((k) => (['dni', 'dniAux'] as const).map((x) => [k, x] as const))) {
    const name = TASK_NAMES[kind];
    // Figure 17 has DNI (left) and DNI+Aux (right) against the same BPTT runs.
    const L = RECURRENT_LABELS[m];
    const fig = m === 'dni' ? 'main text' : 'main text; Figure 17, right';
    const Ts = [...new Set(cells.filter((c) => c.kind === kind).map((c) => c.T))].sort((a, b) => a - b);
    const runs = (m: CopyCell['method'], T: number) =>
      cells.filter((c) => c.kind === kind && c.method === m && c.T === T).map((c) => c.run);
    const pairs = Ts.map((T) => ({ T, bptt: runs('bptt', T), dni: runs(m, T) })).filter((p) => p.bptt.length && p.dni.length);
    if (!pairs.length) continue;
    const dep = (rs: CopyRunResult[]) => mean(rs.map((r) => r.maxDependency));
    const depSpread = (p: (typeof pairs)[number]) =>
      Math.max(range(p.bptt.map((r) => r.maxDependency)), range(p.dni.map((r) => r.maxDependency)));
    // BPTT's limit is unknown while its level still rises, and nothing is learned yet when neither solved a level.
    const climbing = pairs.some((p) => p.bptt.some(stillClimbing) || (dep(p.bptt) === 0 && dep(p.dni) === 0));
    const doubling = pairs.flatMap((p) => [
      { favour: dep(p.dni) - 2 * dep(p.bptt), spread: depSpread(p), inclusive: true },
      { favour: dep(p.dni), spread: depSpread(p) },
    ]);
    const seeds = (rs: CopyRunResult[]) => rs.map((r) => r.maxDependency).join('/');
    claims.push({
      claim: `${name}: at a given T, ${L} at least doubles the time dependency truncated BPTT learns (${fig})`,
      criterion: `${L}'s highest solved dependency ≥ 2 × BPTT's at every T (means over seeds); not testable while BPTT's solved level still rises in the last quarter of a run, or where neither solved a level; ${TIE_RULE_TEXT}`,
      verdict: climbing ? 'not testable at this budget' : verdictOf(doubling),
      evidence: pairs
        .map((p) => `T = ${p.T}: ${L} ${seeds(p.dni)}, BPTT ${seeds(p.bptt)}${p.bptt.some(stillClimbing) ? ' (BPTT still rising)' : ''}`)
        .join('; '),
    });
    const check = (r: CopyRunResult) => (r.history.length > 1 ? r.history[1].samples - r.history[0].samples : r.samples);
    const fewer = pairs.map((p) => {
      const common = Math.min(...p.bptt.map((r) => r.maxDependency), ...p.dni.map((r) => r.maxDependency));
      const at = (rs: CopyRunResult[]) => rs.map((r) => samplesToDependency(r, common) ?? NaN);
      const [d, b] = [at(p.dni), at(p.bptt)];
      return { T: p.T, common, dni: mean(d), bptt: mean(b), spread: Math.max(check(p.dni[0]), check(p.bptt[0]), range(d), range(b)) };
    });
    claims.push({
      claim: `${name}: ${L} learns with fewer samples than truncated BPTT (${fig})`,
      criterion: `at every T, ${L} solves the highest level every run reached after fewer sequences (means over seeds); not testable where some run solved no level; ${TIE_RULE_TEXT} (a sequence count: at least one check interval, ${check(pairs[0].bptt[0])} sequences)`,
      verdict: fewer.some((f) => f.common === 0)
        ? 'not testable at this budget'
        : verdictOf(fewer.map((f) => ({ favour: f.bptt - f.dni, spread: f.spread }))),
      evidence: fewer
        .map((f) =>
          f.common === 0
            ? `T = ${f.T}: no level solved by every run`
            : `T = ${f.T}, dependency ${f.common}: ${L} after ${Math.round(f.dni)} sequences, BPTT after ${Math.round(f.bptt)}`,
        )
        .join('; '),
    });
  }
  return claims;
}

export const COPY_SECTION: Section<CopyConfig, CopyCell[]> = {
  paper: 'main text (Copy and Repeat Copy), Figure 17',
  settings: 'section D.2',
  preset: COPY_PRESET,
  check: (c) => {
    runTag(c.tag, 'tag'); // each run's spec is validated by runCopy, naming the field
    return c;
  },
  run: runCopyCells,
  claims: (_, cells) => copyClaims(cells),
  summary: (c, cells, claims) =>
    `After ${c.run.steps} batches of ${c.run.batchSize}, the highest time dependency solved was ` +
    cells.map((x) => `${TASK_NAMES[x.kind]} ${RECURRENT_LABELS[x.method]} T=${x.T} seed ${x.seed}: ${x.run.maxDependency}`).join(', ') +
    `; ${shownText(claims)}.`,
};
