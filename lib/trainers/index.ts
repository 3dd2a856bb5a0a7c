export * from './trainer';
export * from './messages';
export * from './spec';
export * from './seeds';
export * from './unit';
export * from './bplambda';
export * from './sgquality';
export * from './syntheticinput';
