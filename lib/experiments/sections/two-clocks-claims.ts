/**
 * Section D.3's claims judged on the runs (notebook 14), each relative to the full-backprop system
 * at the same budget. The claims are the main text's (section 3.3 and Figure 7: the supplementary
 * material's D.3 gives only the settings). A method's reading is the mean of its last LAST_EVALS
 * test accuracies (over seeds); its spread the range over seeds, or with one seed the range of
 * those evaluations (tie-rule.ts).
 */
import { type Claim, shownText } from '../claim';
import { LAST_EVALS } from '../results';
import { type Comparison, TIE_RULE_TEXT, verdictOf } from '../tie-rule';
import type { TwoClocksRecord } from '../../runs/train-two-clocks';
import { twoClocksReading, type TwoClocksReading, TWO_CLOCKS_LABELS, type TwoClocksCell } from './two-clocks-readings';

const accB = (r: TwoClocksRecord) => r.accB;
const accA = (r: TwoClocksRecord) => r.accA;
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const text = (r: TwoClocksReading) => `${pct(r.mean)} (spread ${(100 * r.spread).toFixed(1)} points)`;

/** "a − b > 0", with the larger spread. */
const above = (a: TwoClocksReading, b: TwoClocksReading): Comparison => ({ favour: a.mean - b.mean, spread: Math.max(a.spread, b.spread) });

export function twoClocksClaims(cells: TwoClocksCell[]): Claim[] {
  const b = {
    dni: twoClocksReading(cells, 'dni', accB),
    bprop: twoClocksReading(cells, 'bprop', accB),
    nograd: twoClocksReading(cells, 'nograd', accB),
  };
  const midpoint: TwoClocksReading = {
    mean: (b.nograd.mean + b.bprop.mean) / 2,
    spread: Math.max(b.nograd.spread, b.bprop.spread),
    each: [],
  };
  const { dni, bprop, nograd } = TWO_CLOCKS_LABELS;
  const last = `B's test accuracy, mean of the last ${LAST_EVALS} measurements`;
  return [
    {
      claim:
        'Without DNI, Network A receives no feedback from Network B on how to process its data stream to send a message, so Network B performs poorly (main text, Figure 7)',
      criterion: `${last}: ${nograd} below ${bprop} at the same budget; ${TIE_RULE_TEXT}`,
      verdict: verdictOf([above(b.bprop, b.nograd)]),
      evidence: `B right: ${nograd} ${text(b.nograd)}, ${bprop} ${text(b.bprop)}`,
    },
    {
      claim:
        'Synthetic gradient feedback allows Network A to learn to communicate with Network B, with final performance similar to the system trained end to end by backprop (main text, Figure 7)',
      criterion: `${last}: ${dni} above ${nograd}, and at least halfway from ${nograd} to ${bprop} (closing at least half of the gap the message's gradient makes); ${TIE_RULE_TEXT}`,
      verdict: verdictOf([above(b.dni, b.nograd), above(b.dni, midpoint)]),
      evidence: `B right: ${dni} ${text(b.dni)}, ${nograd} ${text(b.nograd)}, ${bprop} ${text(b.bprop)}; halfway ${pct(midpoint.mean)}`,
    },
    {
      claim:
        'Decoupled by the DNI, Network A is not update-locked to Network B, so it trains faster than the end-to-end system, which can update A only after B has run (main text, Figure 7)',
      criterion:
        'not measured by these runs: here every method updates A once per sequence, so the lock costs the end-to-end system waiting time, not updates; A’s accuracies are shown for reference',
      verdict: verdictOf([]),
      evidence: `A right: ${dni} ${text(twoClocksReading(cells, 'dni', accA))}, ${bprop} ${text(twoClocksReading(cells, 'bprop', accA))}, ${nograd} ${text(twoClocksReading(cells, 'nograd', accA))}`,
    },
  ];
}

/** What the runs measured, in one sentence (with the count of claims shown). */
export function twoClocksSentence(cells: TwoClocksCell[], claims: Claim[]): string {
  const last = cells[0].run.history[cells[0].run.history.length - 1];
  const seeds = new Set(cells.map((c) => c.seed)).size;
  const methods = ['dni', 'bprop', 'nograd'] as const;
  const both = methods
    .map((m) => `${TWO_CLOCKS_LABELS[m]} ${pct(twoClocksReading(cells, m, accA).mean)} / ${pct(twoClocksReading(cells, m, accB).mean)}`)
    .join(', ');
  const cos = twoClocksReading(cells, 'dni', (r) => r.sgCosine);
  const ratio = twoClocksReading(cells, 'dni', (r) => r.sgNormRatio);
  return (
    `After ${last.step} steps of ${last.sequences / last.step} sequences (${seeds} seed${seeds > 1 ? 's' : ''} per method; the paper gives no budget for D.3), ` +
    `the test accuracies of A's and B's tasks were: ${both}; ` +
    `the synthetic gradient's cosine with the true gradient of the message was ${cos.mean.toFixed(3)}, and its norm as consumed ${ratio.mean.toFixed(2)} times the true gradient's, over the last measurements; ${shownText(claims)}.`
  );
}
