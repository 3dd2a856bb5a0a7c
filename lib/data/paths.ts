import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The project root: the nearest folder above this file that holds a package.json.
 * Walking up (rather than a fixed `../..`) keeps it right both when run from source
 * (`lib/data/`) and when compiled (`dist/lib/data/`).
 */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`no package.json found in ${__dirname} or any folder above it`);
    }
    dir = parent;
  }
}

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
  return fromOption
    ? `pass as \`dir\` the folder that holds ${folder}/`
    : `set DNI_DATA_DIR to the folder that holds ${folder}/`;
}
