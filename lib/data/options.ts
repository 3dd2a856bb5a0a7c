import { inspect } from 'node:util';
import { ConfigError } from '../core/errors';

/** A value as code would write it: unlike JSON, keeps NaN, '1' vs 1 and undefined apart. */
export function show(v: unknown): string {
  return inspect(v, { breakLength: Infinity, depth: 2 });
}

/** Throws unless `options` is an object with only `known` keys: a misspelt option would silently load the default. */
export function checkOptionKeys(options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError('options', `must be an object with the fields ${known.join(', ')}; got ${show(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new ConfigError(k, `unknown option; expected one of ${known.join(', ')}`);
  }
}

/** Throws unless `dir` is undefined (use the default) or a non-empty path ('' would mean the current folder). */
export function checkDirOption(dir: unknown): void {
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
    throw new ConfigError('dir', `must be a non-empty path to the data folder, or left out for the default; got ${show(dir)}`);
  }
}
