export * from './errors';
export * from './rng';
export * from './validators';
export * from './adam';
export * from './backend';
export * from './root';
export * from './progress';
