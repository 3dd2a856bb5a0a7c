export * from './spec';
export * from './build';
export * from './two-clocks';
