/**
 * A grid whose close calls get more seeds: run every cell once, judge the claims, and re-run
 * with other seeds the cells of every comparison within CLOSE_CALL points of its threshold.
 * Tables and claims then average a cell's seeds (cellError), so a verdict that hinges on less
 * than about a point does not rest on one seed.
 *
 *   const runs = await runGridSeeded(config, 'table2-cpu', (rs) => table2SeedCells(config, rs));
 */
import type { Cell } from './claim';
import { type GridConfig, type GridRun, runGrid, runSeeds } from './grid';

/** Seeds added to close cells (the grid's own run is seed 1). */
export const EXTRA_SEEDS = [2, 3];

export async function runGridSeeded(
  cfg: GridConfig,
  prefix: string,
  closeOf: (runs: GridRun[]) => Cell[],
  seeds = EXTRA_SEEDS,
): Promise<GridRun[]> {
  const runs = await runGrid(cfg, prefix);
  return [...runs, ...(await runSeeds(cfg, closeOf(runs), seeds, prefix))];
}
