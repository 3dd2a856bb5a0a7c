/**
 * Section B's claims judged on the runs (notebook 13). Every criterion is a ratio to a reference
 * the same runs measure, never an absolute target: the irreducible variance E‖g − E[g | h]‖² (the
 * error of the exact expectation against per-example gradients), the error of M = 0, and a copy
 * of the synthesizer that stopped learning. "Near zero" and "far below" both read as at most a
 * tenth of the reference (an order of magnitude). Seeds give the spread of the tie rule.
 */
import { type Claim, shownText } from '../claim';
import { LAST_EVALS } from '../results';
import { type Comparison, TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import {
  bestLag,
  finalReading,
  nearBestLags,
  type SeedReading,
  type SufficiencyCell,
  SUFFICIENCY_LABELS,
  trackingReading,
} from './sufficiency-readings';

/** "At most a tenth of the reference": the threshold of every criterion here. */
export const TENTH = 0.1;

/** A comparison "reading ≤ threshold" (inclusive), in the reading's units. */
const atMost = (r: SeedReading, threshold: number): Comparison => ({ favour: threshold - r.mean, spread: r.spread, inclusive: true });
/** A comparison "reading ≥ threshold" (inclusive). */
const atLeast = (r: SeedReading, threshold: number): Comparison => ({ favour: r.mean - threshold, spread: r.spread, inclusive: true });

/** "0.0142 (0.0120–0.0163, 3 seeds)". */
export function readingText(r: SeedReading, digits = 3): string {
  const v = (x: number) => x.toPrecision(digits);
  return r.each.length > 1 ? `${v(r.mean)} (${v(Math.min(...r.each))}–${v(Math.max(...r.each))}, ${r.each.length} seeds)` : v(r.mean);
}

const last = `mean of the last ${LAST_EVALS} measurements`;

export function sufficiencyClaims(cells: SufficiencyCell[]): Claim[] {
  const dniExpected = finalReading(cells, 'dni', (r) => r.expectedError / r.variance);
  const dniZero = finalReading(cells, 'dni', (r) => r.expectedError / r.expectedNorm);
  const dniSample = finalReading(cells, 'dni', (r) => r.sampleError / r.variance);
  const cdniSample = finalReading(cells, 'cdni', (r) => r.sampleError / r.variance);
  const tracking = trackingReading(cells);

  const frozen = [atMost(dniExpected, TENTH), atMost(dniZero, TENTH)];
  const floor = [atMost(dniSample, 1 + TENTH), atLeast(dniSample, 1 - TENTH)];
  const conditioned = [atMost(cdniSample, TENTH)];
  const online = [atMost(tracking, TENTH)];
  const { dni, cdni, drift } = SUFFICIENCY_LABELS;
  return [
    {
      claim:
        'With the downstream parameters frozen, a sufficiently powerful synthetic gradient model can learn to perfectly represent the expected loss gradient E[∂L/∂h | h] (section B)',
      criterion: `${dni}: its error ‖M − E[g|h]‖² at most a tenth of the irreducible variance E‖g − E[g|h]‖², and at most a tenth of ‖E[g|h]‖² (the error of M = 0, where it starts); ${last}; ${TIE_RULE_TEXT}`,
      verdict: verdictOf(frozen),
      evidence: `error / variance ${readingText(dniExpected)}; error / ‖E[g|h]‖² ${readingText(dniZero)}`,
    },
    {
      claim:
        'A function of h alone (and the downstream parameters) suffices to represent the gradient, with no other dependence on inputs or targets: what it cannot fit of the per-example gradient is only the label noise given h (section B)',
      criterion: `${dni}: its error against per-example gradients (held-out labels) within a tenth of the irreducible variance, 0.9 to 1.1 times it; ${last}; ${TIE_RULE_TEXT}`,
      verdict: verdictOf(floor),
      evidence: `‖M − g‖² / variance ${readingText(dniSample)}`,
    },
    {
      claim:
        'Conditioned on the label as well (cDNI, section C), the synthetic gradient is no longer held to the expectation: it fits the per-example gradient (what section B implies)',
      criterion: `${cdni}: its error against per-example gradients at most a tenth of the irreducible variance that bounds ${dni}; ${last}; ${TIE_RULE_TEXT}`,
      verdict: verdictOf(conditioned),
      evidence: `‖M − g‖² / variance: ${cdni} ${readingText(cdniSample)}, ${dni} ${readingText(dniSample)}`,
    },
    {
      claim:
        'With the downstream parameters changing over training, the synthetic gradient must learn online to track the expected gradient (section B)',
      criterion: `${drift}: over the drift phase, its error against the current E[g|h] at most a tenth of that of a copy of M stopped when the top began to move; means over the phase's measurements; ${TIE_RULE_TEXT}`,
      verdict: verdictOf(online),
      evidence: `online / stopped ${readingText(tracking)}; best-fitting lag ${bestLag(cells)} steps (within 5% of its error: ${lagsText(cells)})`,
    },
  ];
}

/** "0, 2, 5, 10": the lags within 5% of the best lag's error. */
export function lagsText(cells: SufficiencyCell[]): string {
  return nearBestLags(cells).join(', ');
}

/** What the runs measured, in one sentence (with the count of claims shown). */
export function sufficiencySentence(cells: SufficiencyCell[], claims: Claim[]): string {
  const any = cells.find((c) => c.kind === 'dni') ?? cells[0];
  const spec = any.run.spec;
  const pct = (r: SeedReading) => `${(100 * r.mean).toFixed(1)}%`;
  const variance = finalReading(cells, 'dni', (r) => r.variance).mean;
  const expected = finalReading(cells, 'dni', (r) => r.expectedError / r.variance);
  const sample = finalReading(cells, 'dni', (r) => r.sampleError / r.variance);
  const cond = finalReading(cells, 'cdni', (r) => r.sampleError / r.variance);
  const track = trackingReading(cells);
  const drift = cells.find((c) => c.kind === 'drift')?.run.spec.drift;
  return (
    `After ${spec.steps} steps of ${spec.batchSize} examples (the paper runs no experiment for section B), with the irreducible variance at ${variance.toPrecision(3)}: ` +
    `M(h)'s error against the expected gradient fell to ${pct(expected)} of it and its error against per-example gradients to ${pct(sample)} of it; ` +
    `M(h, y)'s error against per-example gradients to ${pct(cond)} of it; ` +
    `with the top turning once in ${drift?.period ?? '?'} steps, M(h)'s error against the current expected gradient was ${pct(track)} of a stopped copy's, ` +
    `fitting best the expected gradient of ${bestLag(cells)} steps before (lags within 5% of its error: ${lagsText(cells)}); ${shownText(claims)}.`
  );
}
