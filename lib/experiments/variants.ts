/**
 * A study of variants: one cell of a grid (a depth and a method) run with settings changed by
 * path, for ablations and for choosing what the paper leaves open on a validation split.
 *
 *   const runs = await runVariants({ ...config, validation: true }, 4, 'dni', [
 *     { name: 'lr 1e-4', changes: { 'trainer.optimizer.lr': 1e-4 } }, …], 'study-cpu');
 */
import { gridConfig, type GridConfig, type GridRun, runGridCell } from './grid';
import type { MethodName } from './methods';
import { override } from './preset';

export interface Variant {
  name: string;
  /** Dotted config paths and their values (see override). */
  changes: Record<string, unknown>;
}

/** Every variant of one cell, in order; `prefix` names the cache files (one per variant). */
export async function runVariants(
  cfg: GridConfig,
  depth: number,
  method: MethodName,
  variants: Variant[],
  prefix: string,
): Promise<(GridRun & { variant: Variant })[]> {
  const out: (GridRun & { variant: Variant })[] = [];
  for (const v of variants) {
    const c = gridConfig(override(cfg, v.changes));
    // The cache turns the name into a safe file name. A variant that diverges (too large a learning
    // rate) is an outcome of the study: kept, marked diverged.
    const name = `${prefix}-${c.family}-${depth}-${method}-${v.name}`;
    const run = await runGridCell(c, depth, method, name, undefined, v.name, { recordDivergence: true });
    out.push({ depth, method, name: v.name, run, variant: v });
  }
  return out;
}
