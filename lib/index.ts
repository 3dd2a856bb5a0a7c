/** The library's public surface: notebooks import everything from here. */
export * from './backend';
export * from './rng';
export * from './errors';
export * from './config';
export * from './adam';
export * from './loss';
export * from './modules';
export * from './builders';
export * from './synthesizer';
export * from './unit';
export * from './trainer';
export * from './train';
export * from './data';
export * from './mixture';
export * from './reference';
export * from './paper';
