export * from './streams';
export * from './earlystop';
export * from './batches';
export * from './evaluate';
export * from './sample';
