/**
 * The experiments layer: running an experiment with the results cache, grids of methods ×
 * depths, the method → spec map, the paper's numbers and presets, claims. Display is in ../notebook.
 *
 *   import * as ex from '../dist/lib/experiments';
 */
export { scale, pick, SCALES, type Scale } from './scale';
export * from './methods';
export * from './paper';
export * from './presets';
export * from './datasets';
export * from './fingerprint';
export * from './cache';
export * from './run';
export * from './grid';
export * from './claims';
export * from './variants';
export * from './seeded';
export * from './copy';
export * from './charlm';
