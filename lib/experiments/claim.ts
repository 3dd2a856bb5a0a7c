/**
 * A claim of the paper judged on our runs: the claim, the criterion stated beside it, the verdict
 * and the numbers it rests on. Each section's claims are in sections/.
 */
import type { MethodName } from './methods';

export type Verdict = 'shown' | 'not shown' | 'not testable at this budget';

export interface Claim {
  claim: string;
  criterion: string;
  verdict: Verdict;
  evidence: string;
  /**
   * The comparisons the verdict rests on: the cells compared and how far (points) the measured
   * difference is from the criterion's threshold. closeCells picks the cells of the close ones
   * for more seeds.
   */
  tests?: { cells: Cell[]; margin: number }[];
}

/** One cell of a grid: a depth and a method. */
export interface Cell {
  depth: number;
  method: MethodName;
}

/** A call this close to its threshold (points) is re-run with more seeds (close to one point, the standard we hold). */
export const CLOSE_CALL = 1;

/**
 * The cells of every comparison within `within` points of its threshold, once each, for more
 * seeds. Chosen by the comparisons' margins alone, whatever the verdict, so that a change in how
 * verdicts are read does not change which runs a grid holds.
 */
export function closeCells(claims: Pick<Claim, 'tests'>[], within = CLOSE_CALL): Cell[] {
  const out = new Map<string, Cell>();
  for (const c of claims)
    for (const t of c.tests ?? [])
      if (Math.abs(t.margin) < within) for (const cell of t.cells) out.set(`${cell.depth}/${cell.method}`, cell);
  return [...out.values()];
}

/** "3 of 5 claims above are shown at this budget", the close of every summary sentence. */
export function shownText(claims: Claim[], whose = ''): string {
  return `${claims.filter((c) => c.verdict === 'shown').length} of ${claims.length}${whose} claims above are shown at this budget`;
}
