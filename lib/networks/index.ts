export * from './spec';
export * from './build';
