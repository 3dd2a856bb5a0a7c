/**
 * Copy and Repeat Copy (main text; settings in D.2, Figure 17; notebook 10): LSTMs trained with
 * truncated BPTT, DNI and DNI+Aux through a curriculum, at a few unrolls T.
 */
import type { CopyKind } from '../../tasks/copy';
import type { CopyRunInput, CopyRunResult } from '../../runs/train-copy';
import type { RecurrentInput, RecurrentMethod } from '../../trainers/recurrent-spec';
import { shownText, type Claim } from '../claim';
import { runCopy } from '../run-copy';
import { RECURRENT_LABELS } from '../methods';
import type { Preset } from '../preset';
import { samplesToDependency, stillClimbing } from '../results';
import { scale } from '../scale';
import { TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import type { Section } from '../section';

export interface CopyConfig {
  /** The tasks run (D.2: both). */
  kinds: CopyKind[];
  methods: RecurrentMethod[];
  /** The BPTT unrolls compared (Figure 17 uses several). */
  Ts: number[];
  /** Every run's settings, less the method, T and the task. */
  run: Omit<CopyRunInput, 'trainer' | 'curriculum'> & { trainer: Omit<RecurrentInput, 'method' | 'T' | 'inputs' | 'outputs'> };
}

/** Notebooks 09 and 10: Copy and Repeat Copy with truncated BPTT, DNI and DNI+Aux (D.2, Figure 17). */
const copyPaper: CopyConfig = {
  kinds: ['copy', 'repeatCopy'],
  methods: ['bptt', 'dni', 'dniAux'],
  Ts: [3, 5, 8],
  run: { trainer: { hidden: 256, optimizer: { lr: 7e-5 } }, steps: 2_500_000, batchSize: 256, evalEvery: 1000, evalSequences: 256 },
};
export const COPY_PRESET: Preset<CopyConfig> = {
  paper: copyPaper,
  cpu: {
    ...copyPaper,
    Ts: [2, 4],
    run: { trainer: { hidden: 128, optimizer: { lr: 1e-3 } }, steps: 6000, batchSize: 64, evalEvery: 150, evalSequences: 256 },
  },
  smoke: {
    ...copyPaper,
    Ts: [2],
    run: { trainer: { hidden: 8, optimizer: { lr: 1e-2 } }, steps: 20, batchSize: 8, evalEvery: 5, evalSequences: 16 },
  },
  why: {
    Ts: 'T = 2 and 4: at this budget the curriculum reaches sequences of 5–9 steps, which only unrolls shorter than that cut (at 4k batches, T = 6 never cut a solved Copy level, so DNI and BPTT were the same run)',
    'run.trainer.hidden': '256 → 128 LSTM units, for time',
    'run.trainer.optimizer.lr':
      '7e-5 → 1e-3: 7e-5 barely moves an LSTM in a few thousand steps; 1e-3 solved the first Copy levels within a few hundred steps here (3e-4 took ~1650 steps for N = 1 at 64 units)',
    'run.steps': '2.5M → 6k batches (0.06% of the sequences): the 12 runs take ~15 min on 2 cores',
    'run.batchSize': '256 → 64 sequences per batch, for time',
    'run.evalEvery': 'a curriculum check every 150 batches: 40 points per curve',
  },
};

/** A Copy / Repeat Copy run of a method at an unroll T. */
export interface CopyCell {
  kind: 'copy' | 'repeatCopy';
  method: 'bptt' | 'dni' | 'dniAux';
  T: number;
  run: CopyRunResult;
}

const TASK_NAMES = { copy: 'Copy', repeatCopy: 'Repeat Copy' } as const;

/** Every task × T × method of the config, in order. */
async function runCopyCells(cfg: CopyConfig): Promise<CopyCell[]> {
  const cells: CopyCell[] = [];
  for (const kind of cfg.kinds) {
    for (const T of cfg.Ts) {
      for (const method of cfg.methods) {
        const label = `${TASK_NAMES[kind]} ${RECURRENT_LABELS[method]} T=${T}`;
        const run = await runCopy(
          `copy-${scale()}-${kind}-${method}-T${T}`,
          { ...cfg.run, trainer: { ...cfg.run.trainer, method, T }, curriculum: { kind } },
          { label },
        );
        cells.push({ kind, method, T, run });
      }
    }
  }
  return cells;
}

/**
 * The main text on Copy and Repeat Copy: at a given T, DNI at least doubles the time dependency
 * truncated BPTT learns, and learns with fewer samples. The first claim is about the limit BPTT
 * reaches; while BPTT's solved level still rises at the end of the budget, that limit is not
 * known: "not testable at this budget".
 */
export function copyClaims(cells: CopyCell[]): Claim[] {
  const claims: Claim[] = [];
  for (const kind of ['copy', 'repeatCopy'] as const) {
    const name = TASK_NAMES[kind];
    const Ts = [...new Set(cells.filter((c) => c.kind === kind).map((c) => c.T))].sort((a, b) => a - b);
    const get = (m: CopyCell['method'], T: number) => cells.find((c) => c.kind === kind && c.method === m && c.T === T)?.run;
    const pairs = Ts.map((T) => ({ T, bptt: get('bptt', T), dni: get('dni', T) })).filter((p) => p.bptt && p.dni) as {
      T: number;
      bptt: CopyRunResult;
      dni: CopyRunResult;
    }[];
    if (!pairs.length) continue;
    // BPTT's limit is unknown while its level still rises, and nothing is learned yet when neither solved a level.
    const climbing = pairs.some((p) => stillClimbing(p.bptt) || (p.bptt.maxDependency === 0 && p.dni.maxDependency === 0));
    // A solved level is exact (spread 0); a sequence count is read at checks, so its spread is one check interval.
    const doubling = pairs.flatMap((p) => [
      { favour: p.dni.maxDependency - 2 * p.bptt.maxDependency, spread: 0, inclusive: true },
      { favour: p.dni.maxDependency, spread: 0 },
    ]);
    claims.push({
      claim: `${name}: at a given T, DNI at least doubles the time dependency truncated BPTT learns (main text)`,
      criterion:
        "DNI's highest solved dependency ≥ 2 × BPTT's at every T; not testable while BPTT's solved level still rises in the last quarter of the run, or where neither solved a level",
      verdict: climbing ? 'not testable at this budget' : verdictOf(doubling),
      evidence: pairs
        .map((p) => `T = ${p.T}: DNI ${p.dni.maxDependency}, BPTT ${p.bptt.maxDependency}${stillClimbing(p.bptt) ? ' (still rising)' : ''}`)
        .join('; '),
    });
    const check = (r: CopyRunResult) => (r.history.length > 1 ? r.history[1].samples - r.history[0].samples : r.samples);
    const fewer = pairs.map((p) => {
      const common = Math.min(p.bptt.maxDependency, p.dni.maxDependency);
      return {
        T: p.T,
        common,
        dni: common > 0 ? samplesToDependency(p.dni, common) : null,
        bptt: common > 0 ? samplesToDependency(p.bptt, common) : null,
        spread: Math.max(check(p.dni), check(p.bptt)),
      };
    });
    claims.push({
      claim: `${name}: DNI learns with fewer samples than truncated BPTT (main text)`,
      criterion: `at every T, DNI solves the highest level both reached after fewer sequences; not testable where neither solved a level; ${TIE_RULE_TEXT} (a sequence count: one check interval, ${fewer[0].spread} sequences)`,
      verdict: fewer.some((f) => f.common === 0)
        ? 'not testable at this budget'
        : verdictOf(fewer.map((f) => ({ favour: f.bptt! - f.dni!, spread: f.spread }))),
      evidence: fewer
        .map((f) =>
          f.common === 0
            ? `T = ${f.T}: no level solved by both`
            : `T = ${f.T}, dependency ${f.common}: DNI after ${f.dni} sequences, BPTT after ${f.bptt}`,
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
  check: (c) => c, // each run's spec is validated by runCopy, naming the field
  run: runCopyCells,
  claims: (_, cells) => copyClaims(cells),
  summary: (c, cells, claims) =>
    `After ${c.run.steps} batches of ${c.run.batchSize}, the highest time dependency solved was ` +
    cells.map((x) => `${TASK_NAMES[x.kind]} ${RECURRENT_LABELS[x.method]} T=${x.T}: ${x.run.maxDependency}`).join(', ') +
    `; ${shownText(claims)}.`,
};
