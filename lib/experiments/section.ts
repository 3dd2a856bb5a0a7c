/**
 * One section of the paper as an experiment, under one contract: its settings (a preset at
 * three scales), the runs its claims rest on, the claims judged on them, and what was measured
 * in one sentence. A notebook picks a config, calls these and displays what they return; the
 * loops over runs and the criteria live in the section's file (sections/), where tests reach them.
 *
 *   const s = TABLE2_SECTIONS.mnistFcn;
 *   const config = configure(s, { 'run.steps': 3000 });  // pick(s.preset), an ablation, checked
 *   const runs = await s.run(config);
 *   const claims = s.claims(config, runs);
 *   console.log(s.summary(config, runs, claims));
 */
import type { Claim } from './claim';
import { override, type Preset } from './preset';
import { pick } from './scale';

export interface Section<C, R> {
  /** Where in the paper, e.g. 'section C, Table 2'. */
  readonly paper: string;
  /** Where the paper gives the settings the preset departs from, e.g. 'section D.1'. */
  readonly settings: string;
  readonly preset: Preset<C>;
  /** Validates a config (the preset's, after ablations), naming the field on error, and returns it. */
  check(config: C): C;
  /** Trains (or reuses from results/) every run the claims rest on, extra seeds for close calls included. */
  run(config: C): Promise<R>;
  /** The paper's claims, each with its criterion and verdict on these runs. */
  claims(config: C, runs: R): Claim[];
  /** What was measured, in one sentence, printed from the results. */
  summary(config: C, runs: R, claims: Claim[]): string;
}

/** The config of a section at the scale in use (DNI_SCALE), with fields replaced by dotted path, checked. */
export function configure<C>(section: Section<C, unknown>, changes: Record<string, unknown> = {}): C {
  return section.check(override(pick(section.preset), changes));
}
