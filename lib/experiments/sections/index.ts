/** One file per paper section, each exporting its preset, runner, claims and summary (a Section). */
export * from './table2-claims';
export * from './table2';
export * from './bp-lambda';
export * from './synthesizer-depth';
export * from './single-dni';
export * from './stale-gradients';
export * from './update-probability';
export * from './complete-unlock';
export * from './copy-repeat-copy';
export * from './penn-treebank';
export * from './table2-studies';
export * from './recurrent-study';
export * from './fixed-copy';
export * from './ptb-study';
export * from './sufficiency';
export * from './sufficiency-claims';
export * from './sufficiency-readings';
