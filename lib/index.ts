/**
 * The library's public surface, layer by layer from the bottom (experiments and display are
 * imported from './experiments' and './notebook').
 */
export * from './core';
export * from './data';
export * from './modules';
export * from './tasks';
export * from './networks';
export * from './synthesizers';
export * from './trainers';
export * from './runs';
