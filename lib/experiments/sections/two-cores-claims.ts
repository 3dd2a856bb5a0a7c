/**
 * Notebook 15's claims, judged on its wall-clock runs: update unlocking (main text, section 1;
 * the schedule of Figure 9) should let decoupled layers run at once on separate workers, and so
 * reach a test error sooner than the same network on one worker, and sooner than backprop, which
 * on the same cores can only split the batch (data-parallel). Every time is read within the
 * common budget (the shortest run's training seconds), at each run's evaluations: the spread of a
 * time is the gap between the evaluations around it (the range over seeds with several); the
 * spread of a step time is how much it moved over a run's last intervals (tie-rule.ts).
 */
import { type Claim, shownText } from '../claim';
import { LAST_EVALS } from '../results';
import { type Comparison, TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import {
  coresCells,
  commonBudget,
  errorAtBudget,
  msReading,
  type CoresReading,
  stepSpeedup,
  TWO_CORES_METHODS,
  type TwoCoresCell,
  type TwoCoresMethod,
  timeReading,
  twoCoresLabel,
} from './two-cores-readings';

/** The main text's update-unlocking claim, restated (the supplementary material carries only Figure 9). */
export const UNLOCK_CLAIM =
  'With synthetic gradients a layer is no longer update-locked: it updates as soon as its own synthesizer has spoken, without waiting for the layers above to run forwards and backwards (main text, section 1; the schedule of Figure 9)';

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const secs = (r: CoresReading) => (Number.isNaN(r.mean) ? 'not reached' : `${r.mean.toFixed(1)} s (spread ${r.spread.toFixed(1)} s)`);
/** "a is smaller than b", with the larger spread. */
const below = (a: CoresReading, b: CoresReading): Comparison => ({ favour: b.mean - a.mean, spread: Math.max(a.spread, b.spread) });

/** The workers of the parallel runs (the most any cell used). */
export const parallelWorkers = (cells: TwoCoresCell[]) => Math.max(...cells.map((c) => c.workers));

/**
 * "`a` reaches a test error sooner than `b`": the times to each of the config's thresholds that
 * both reach within the budget (the lowest error both touch once would be a single evaluation's
 * luck); not testable when they share none.
 */
function sooner(
  cells: TwoCoresCell[],
  thresholds: number[],
  a: [TwoCoresMethod, number],
  b: [TwoCoresMethod, number],
  claim: string,
): Claim {
  const budget = commonBudget(cells);
  const [la, lb] = [twoCoresLabel(...a), twoCoresLabel(...b)];
  const read = thresholds.map((e) => ({ e, ta: timeReading(cells, ...a, e / 100, budget), tb: timeReading(cells, ...b, e / 100, budget) }));
  const both = read.filter((r) => Number.isFinite(r.ta.mean) && Number.isFinite(r.tb.mean));
  return {
    claim,
    criterion: `within the common budget of ${budget.toFixed(1)} s of training, at each test error of ${thresholds.map((e) => `${e}%`).join(', ')} that both runs reach: fewer seconds for ${la} than for ${lb}, read at each run's evaluations (spread: the time since the evaluation before); not testable where they reach none in common; ${TIE_RULE_TEXT}`,
    verdict: verdictOf(both.map((r) => below(r.ta, r.tb))),
    evidence: read.map((r) => `to ${r.e}%: ${la} ${secs(r.ta)}, ${lb} ${secs(r.tb)}`).join('; '),
  };
}

export function twoCoresClaims(cells: TwoCoresCell[], thresholds: number[]): Claim[] {
  const W = parallelWorkers(cells);
  const decoupled = TWO_CORES_METHODS.filter((m) => m !== 'bprop');
  const steps = decoupled.map((m) => ({ m, one: msReading(cells, m, 1), many: msReading(cells, m, W) }));
  return [
    {
      claim: `${UNLOCK_CLAIM}. So stages of the network on separate workers run at once, and a training step takes less time on ${W} workers than on one`,
      criterion: `ms per training step over the run, for DNI and cDNI: on ${W} workers below on 1 worker (spread: how much it moved over a run's last ${LAST_EVALS} intervals between evaluations); ${TIE_RULE_TEXT}`,
      verdict: verdictOf(steps.map((s) => below(s.many, s.one))),
      evidence: steps
        .map(
          (s) =>
            `${twoCoresLabel(s.m, 1)} ${s.one.mean.toFixed(1)} ms, ${W} workers ${s.many.mean.toFixed(1)} ms (${stepSpeedup(cells, s.m, W).toFixed(2)}×)`,
        )
        .join('; '),
    },
    ...decoupled.map((m) =>
      sooner(
        cells,
        thresholds,
        [m, W],
        [m, 1],
        `Update unlocking pays off in wall-clock time: ${twoCoresLabel(m, W)} reaches a test error sooner than ${twoCoresLabel(m, 1)} (main text, section 1; Figure 9)`,
      ),
    ),
    ...decoupled.map((m) =>
      sooner(
        cells,
        thresholds,
        [m, W],
        ['bprop', W],
        `On the same ${W} cores, ${twoCoresLabel(m, W)} reaches a test error sooner than ${twoCoresLabel('bprop', W)}, backprop's use of the cores (what the main text's case for update unlocking implies; the paper reports no wall-clock times)`,
      ),
    ),
  ];
}

/** A method on some workers: mean over seeds of its test error at the budget. */
function finalError(cells: TwoCoresCell[], m: TwoCoresMethod, w: number, budget: number): number {
  const runs = coresCells(cells, m, w);
  return runs.reduce((a, c) => a + errorAtBudget(c.run, budget), 0) / runs.length;
}

/** Every run once, with its reading at the budget, best first. */
export function coresRanking(cells: TwoCoresCell[]): { method: TwoCoresMethod; workers: number; label: string; error: number }[] {
  const budget = commonBudget(cells);
  const keys = [...new Set(cells.map((c) => `${c.method}/${c.workers}`))].map((k) => k.split('/'));
  return keys
    .map(([m, w]) => ({ method: m as TwoCoresMethod, workers: Number(w), label: twoCoresLabel(m as TwoCoresMethod, Number(w)) }))
    .map((k) => ({ ...k, error: finalError(cells, k.method, k.workers, budget) }))
    .sort((a, b) => (Number.isNaN(a.error) ? 1 : Number.isNaN(b.error) ? -1 : a.error - b.error));
}

/** Which run reached each test error first, and how much sooner than the next (printed from the runs). */
export function winnersText(cells: TwoCoresCell[], thresholds: number[]): string {
  const budget = commonBudget(cells);
  const parts = thresholds.map((e) => {
    const times = coresRanking(cells)
      .map((k) => ({ ...k, t: timeReading(cells, k.method, k.workers, e / 100, budget).mean }))
      .filter((k) => Number.isFinite(k.t))
      .sort((a, b) => a.t - b.t);
    if (!times.length) return `${e}%: no run within ${budget.toFixed(1)} s`;
    const [first, next] = times;
    const lead = next
      ? `, ${(next.t / first.t).toFixed(2)}× sooner than ${next.label} (${next.t.toFixed(1)} s)`
      : ', the only run to get there';
    return `${e}%: ${first.label} first, at ${first.t.toFixed(1)} s${lead}`;
  });
  return `First to each test error within the common budget: ${parts.join('; ')}.`;
}

/** What was measured, in one sentence: the winner at the budget and by how much, the speed-ups, the claims. */
export function twoCoresSentence(cells: TwoCoresCell[], claims: Claim[]): string {
  const budget = commonBudget(cells);
  const W = parallelWorkers(cells);
  const [best, second] = coresRanking(cells);
  const m = cells[0].run.machine;
  const ups = TWO_CORES_METHODS.map((x) => `${twoCoresLabel(x, W).split(',')[0]} ${stepSpeedup(cells, x, W).toFixed(2)}×`).join(', ');
  const margin = second
    ? `, ${(100 * (second.error - best.error)).toFixed(2)} points below the next, ${second.label} (${pct(second.error)})`
    : '';
  return (
    `After a common budget of ${budget.toFixed(1)} s of training per run on ${m.cpus} × ${m.cpuModel}, the lowest test error was ${best.label}'s, ${pct(best.error)}${margin}; ` +
    `a step on ${W} workers ran this many times as fast as on one: ${ups}; ${shownText(claims)}.`
  );
}
