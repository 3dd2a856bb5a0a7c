export * from './train-classifier';
export * from './train-copy';
export * from './train-char-lm';
export * from './char-lm';
export * from './loop';
export * from './sufficiency-spec';
export * from './train-sufficiency';
export * from './train-two-clocks';
