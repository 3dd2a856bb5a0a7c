/** The library's public surface: notebooks import everything from here (experiments and display from './experiments' and './notebook'). */
export * from './backend';
export * from './rng';
export * from './errors';
export * from './config';
export * from './adam';
export * from './modules';
export * from './builders';
export * from './synthesizers';
export * from './tasks';
export * from './trainers';
export * from './train';
export * from './train-copy';
export * from './train-lm';
export * from './data';
export * from './mixture';
export * from './reference';
export * from './lm';
