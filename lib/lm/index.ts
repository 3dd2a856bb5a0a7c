export * from './streams';
export * from './earlystop';
