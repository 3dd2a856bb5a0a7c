/**
 * The Copy / Repeat Copy curriculum (paper D.2): a level is solved when the error drops below
 * 0.15 bits per sequence; Copy then increments N by one; Repeat Copy alternately increments N
 * and R by one (N first).
 *
 *   const cur = new Curriculum('repeatCopy');         // starts at N = 1, R = 1
 *   cur.report(0.1, step);                            // solved: now N = 2, R = 1
 *   cur.report(0.1, step);                            // solved: now N = 2, R = 2
 *
 * What error is reported, and how often, is the caller's choice (trainCopy: the bits of a
 * fresh evaluation batch at every evaluation).
 */
import { checkKeys, inRange, join, oneOf, posInt } from '../core/validators';
import { ConfigError } from '../core/errors';
import { COPY_KINDS, type CopyKind, type CopyLevel, timeDependency } from './copy';

/** The paper's threshold, in bits per sequence. */
export const SOLVED_BITS = 0.15;

export interface CurriculumSpec {
  kind: CopyKind;
  /** The first level (the paper does not say; N = 1, R = 1 by default). */
  start: CopyLevel;
  /** A level is solved when the reported error is below this (bits per sequence); 0: never (a fixed level, no curriculum). */
  threshold: number;
}

export const CURRICULUM_KEYS = ['kind', 'start', 'threshold'];

export function curriculumSpec(partial: Partial<CurriculumSpec> & Pick<CurriculumSpec, 'kind'>, path = ''): CurriculumSpec {
  checkKeys(partial, CURRICULUM_KEYS, path);
  const spec: CurriculumSpec = { start: { N: 1, R: 1 }, threshold: SOLVED_BITS, ...partial };
  validateCurriculumSpec(spec, path);
  return spec;
}

function validateCurriculumSpec(s: CurriculumSpec, path = ''): void {
  checkKeys(s, CURRICULUM_KEYS, path);
  oneOf(s.kind, COPY_KINDS, join(path, 'kind'));
  const sp = join(path, 'start');
  checkKeys(s.start, ['N', 'R'], sp);
  posInt(s.start.N, join(sp, 'N'));
  posInt(s.start.R, join(sp, 'R'));
  if (s.kind === 'copy' && s.start.R !== 1) throw new ConfigError(join(sp, 'R'), `must be 1 for Copy (no repeats), got ${s.start.R}`);
  inRange(s.threshold, 0, Infinity, join(path, 'threshold'));
}

/** A level passed: when (the step of the report) and which level. */
export interface Advance {
  step: number;
  solved: CopyLevel;
}

export class Curriculum {
  readonly spec: CurriculumSpec;
  level: CopyLevel;
  /** Every level solved so far, in order. */
  readonly advances: Advance[] = [];

  constructor(kind: CopyKind, opts: Partial<Omit<CurriculumSpec, 'kind'>> = {}) {
    this.spec = curriculumSpec({ kind, ...opts });
    this.level = { ...this.spec.start };
  }

  get kind(): CopyKind {
    return this.spec.kind;
  }

  /** The last level solved (null before the first). */
  get solved(): CopyLevel | null {
    return this.advances.length ? this.advances[this.advances.length - 1].solved : null;
  }

  /** The time dependency of the last level solved (0 before the first). */
  get solvedDependency(): number {
    const s = this.solved;
    return s ? timeDependency(this.kind, s) : 0;
  }

  /** The level after `level` (the k-th advance, 0-based, decides N or R for Repeat Copy). */
  static next(kind: CopyKind, level: CopyLevel, k: number): CopyLevel {
    if (kind === 'copy' || k % 2 === 0) return { N: level.N + 1, R: level.R };
    return { N: level.N, R: level.R + 1 };
  }

  /** Report the error (bits per sequence) at the current level; advances and returns true when it is solved. */
  report(bits: number, step = 0): boolean {
    if (!(bits < this.spec.threshold)) return false;
    this.advances.push({ step, solved: { ...this.level } });
    this.level = Curriculum.next(this.kind, this.level, this.advances.length - 1);
    return true;
  }
}
