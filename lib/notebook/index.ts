/**
 * Notebook helpers: scale presets, figures, results tables, progress lines, cached runs and the
 * library rebuild used by a notebook's first cell. Notebooks import the compiled form:
 *
 *   import { pick, show, lineFigure, resultsTable, showTable, Progress, cachedRun } from '../dist/lib/notebook';
 */
export { scale, pick, SCALES, type Scale } from './scale';
export {
  show,
  mimeBundle,
  renderPng,
  figureSummary,
  lineFigure,
  closeFigures,
  rendererTimings,
  chromiumPath,
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
export { Progress, fmtDuration, type ProgressOptions, type ProgressEntry } from './progress';
export { cachedRun, cachePath, canonicalJson, libraryVersion, type CacheOptions, type CacheEntry } from './cache';
export { rebuild, rebuildLibrary, staleSources, unloadDist, type RebuildResult, type RebuildOptions } from './rebuild';
export { displayBundle, inTslab, type MimeBundle } from './display';
export { projectRoot } from './root';
export { runExperiment, errorCurves } from './experiment';
export * from './table2';
