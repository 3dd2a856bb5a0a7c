export * from './task';
export * from './classification';
export * from './sequence';
export * from './softmax';
export * from './copy';
export * from './curriculum';
export * from './noisy-labels';
export * from './digit-counts';
