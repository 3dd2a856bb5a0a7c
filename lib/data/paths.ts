import * as path from 'node:path';
import { projectRoot } from '../core/root';

/**
 * The folder that holds the downloaded datasets: `$DNI_DATA_DIR` when set (so CI and
 * several checkouts can share one copy), else `<project root>/data`.
 */
export function dataDir(): string {
  const env = process.env.DNI_DATA_DIR;
  if (env !== undefined && env !== '') return path.resolve(env);
  return path.join(projectRoot(), 'data');
}

/**
 * How to point a loader at the folder holding `folder`: through its `dir` option when the
 * caller gave one, else through DNI_DATA_DIR (the default, see dataDir()).
 */
export function dataDirHint(folder: string, fromOption: boolean): string {
  return fromOption ? `pass as \`dir\` the folder that holds ${folder}/` : `set DNI_DATA_DIR to the folder that holds ${folder}/`;
}
