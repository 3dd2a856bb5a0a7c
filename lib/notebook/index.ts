/**
 * Notebook display: figures (and their PNG renderer), results tables, progress lines, and the
 * library rebuild used by a notebook's first cell. Experiments themselves are in ../experiments.
 * Notebooks import the compiled form:
 *
 *   import * as nb from '../dist/lib/notebook';
 */
export {
  show,
  mimeBundle,
  figureSummary,
  lineFigure,
  panelFigure,
  sweepFigure,
  PLOTLY_MIME,
  type Figure,
  type Trace,
  type Series,
  type LineFigureSpec,
  type RenderOptions,
} from './figures';
export {
  resultsTable,
  showTable,
  tableBundle,
  budget,
  shortCount,
  formatCell,
  RESULT_COLUMNS,
  type ResultRow,
  type Cell,
  type TableOptions,
} from './tables';
export { Progress, fmtDuration, type ProgressOptions, type ProgressEntry } from '../core/progress';
export { rebuild, rebuildLibrary, staleSources, unloadDist, type RebuildResult, type RebuildOptions } from './rebuild';
export { displayBundle, inTslab, type MimeBundle } from './display';
export { projectRoot } from '../core/root';
export { renderPng, closeFigures, rendererTimings, chromiumPath } from './render';
export * from './grid';
export * from './colors';
export * from './recurrent-figures';
export * from './synthesizer-figures';
export { start, configure } from './start';
export * from './sections';
export * from './sufficiency-figures';
export * from './critics-figures';
export * from './two-clocks-figures';
export * from './two-cores-figures';
