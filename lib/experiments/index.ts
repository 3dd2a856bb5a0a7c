/**
 * The experiments layer: running an experiment with the results cache, grids of methods ×
 * depths, the method → spec map, the paper's numbers, the preset machinery, reading results,
 * claims, and one file per paper section (sections/: preset, runner, claims and summary under the
 * Section contract). Display is in ../notebook.
 *
 *   import * as ex from '../dist/lib/experiments';
 */
export { scale, pick, SCALES, type Scale } from './scale';
export * from './methods';
export * from './paper';
export * from './preset';
export * from './datasets';
export * from './fingerprint';
export * from './cache';
export * from './run-classifier';
export * from './grid';
export * from './claim';
export * from './results';
export * from './section';
export * from './variants';
export * from './seeded';
export * from './run-copy';
export * from './run-sufficiency';
export * from './run-two-clocks';
export * from './run-wall-clock';
export * from './run-char-lm';
export * from './sections';
export * from './canonical-json';
