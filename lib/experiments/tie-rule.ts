/**
 * The one rule every section's verdicts follow: a difference smaller than the run-to-run spread
 * is not a difference.
 *
 * A claim rests on comparisons. Each gives how far the measurement lies in the claim's favour
 * (`favour`, in the measure's unit: points of error, BPC, sequences; negative: against the
 * claim) and the run-to-run spread of that measure (`spread`):
 *   - |favour| < spread: another seed could turn it round: "not testable at this budget";
 *   - otherwise the sign decides: for the claim above 0, against it below (0 itself: for the
 *     claim only when its criterion is inclusive, "at most", "within").
 * A claim is "shown" when every comparison is for it, "not shown" when any is against it
 * (consistent evidence against a claim is not a tie, even where other comparisons tie), and
 * otherwise "not testable at this budget". A comparison the runs lack a number for (NaN) ties.
 *
 * The spread of a cell (runSpread): run with several seeds, the range (max − min) of its
 * seeds' values; run with one seed, the range of that run's last LAST_EVALS evaluations (how
 * much it still moves from one evaluation to the next late in training, a lower bound on what
 * another seed would change). A comparison of several cells uses the largest of their spreads.
 * A measure read once per run (a step count at a check) has no late evaluations: its spread is
 * its resolution (one check interval). The paper's own numbers are single values: spread 0.
 */
import type { Verdict } from './claim';

export interface Comparison {
  /** How far the measurement lies in the claim's favour (negative: against it). */
  favour: number;
  /** The run-to-run spread of the measure (≥ 0). */
  spread: number;
  /** A criterion "at most" / "within": a favour of exactly 0 meets it. */
  inclusive?: boolean;
}

export type Lean = 'for' | 'against' | 'tie';

/** One comparison under the rule. */
export function lean(c: Comparison): Lean {
  if (c.spread < 0) throw new Error(`tie rule: spread ${c.spread} must be ≥ 0`);
  // A measurement the runs lack (NaN) cannot decide anything.
  if (Number.isNaN(c.favour) || Number.isNaN(c.spread) || Math.abs(c.favour) < c.spread) return 'tie';
  return c.favour > 0 || (c.favour === 0 && c.inclusive) ? 'for' : 'against';
}

/** A claim's verdict from its comparisons (none: not testable). */
export function verdictOf(cs: Comparison[]): Verdict {
  const ls = cs.map(lean);
  if (ls.includes('against')) return 'not shown';
  return ls.length && ls.every((l) => l === 'for') ? 'shown' : 'not testable at this budget';
}

/** The range (max − min) of some values, 0 for one value. */
export function range(xs: number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? Math.max(...ok) - Math.min(...ok) : 0;
}

/** The words every criterion ends with: which spread decided the ties. */
export const TIE_RULE_TEXT =
  'a difference smaller than the run-to-run spread (range over seeds; one seed: the range of its last evaluations) is not testable at this budget';
