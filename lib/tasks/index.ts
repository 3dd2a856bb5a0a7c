export * from './task';
export * from './classification';
