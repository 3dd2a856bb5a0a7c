export * from './spec';
export * from './synthesizer';
