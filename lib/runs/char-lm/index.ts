export * from './streams';
export * from './early-stop';
export * from './batches';
export * from './evaluate';
export * from './sample';
export * from './probe';
