/**
 * A notebook's opening, as calls: the backend and scale lines, and a section's config at the
 * scale in use with the notebook's ablations, after the table of where it departs from the paper.
 *
 *   // first cell: rebuild(); second: the imports, then
 *   await nb.start();
 *   // the config cell
 *   const config = nb.configure(ex.TABLE2_SECTIONS.mnistFcn, { 'run.steps': 3000 });
 */
import { describeBackend, initBackend } from '../core/backend';
import { scale } from '../experiments/scale';
import { configure as configured, type Section } from '../experiments/section';
import { deviationsTable } from './grid';
import { showTable } from './tables';

/** Picks the fastest backend present and prints it, then the scale in use (DNI_SCALE). */
export async function start(): Promise<void> {
  console.log(describeBackend(await initBackend()));
  console.log(`scale: ${scale()} (set DNI_SCALE=smoke|cpu|paper before starting the kernel)`);
}

/**
 * A section's config at the scale in use, with fields replaced by dotted path (ablations) and
 * checked; shows the preset's deviations from the paper, each with its reason, under `title`.
 */
export function configure<C>(
  section: Section<C, unknown>,
  changes: Record<string, unknown> = {},
  title = `The cpu scale: deviations from the paper (${section.settings})`,
): C {
  const config = configured(section, changes);
  showTable(deviationsTable(section.preset), { title });
  return config;
}
