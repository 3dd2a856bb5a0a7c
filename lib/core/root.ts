/** The project root (results/, data/ and the build are found from it); in lib/core so every layer may use it. */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cachedRoot: string | undefined;

/**
 * The project root: the nearest folder at or above `start` holding a package.json.
 * Default start: this file's folder (works from lib/core and dist/lib/core).
 */
export function projectRoot(start: string = __dirname): string {
  if (start === __dirname && cachedRoot !== undefined) return cachedRoot;
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json at or above ${start}`);
    dir = parent;
  }
  if (start === __dirname) cachedRoot = dir;
  return dir;
}
