export * from './spec';
export * from './core';
export * from './synthesizer';
export * from './ema';
export * from './build';
export * from './frozen';
export * from './recurrent';
export * from './synthetic-input';
