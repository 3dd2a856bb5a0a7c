/**
 * The checks every config uses. Unknown fields and out-of-range values throw a ConfigError naming
 * the field (with its path, e.g. `trainer.synthesizer.width`).
 */
import { ConfigError } from './errors';

/** `path.k`, or `k` at the root. */
export function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

/** Throw on any key of obj not in allowed. */
export function checkKeys(obj: unknown, allowed: readonly string[], path: string): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(path || '(root)', `expected an object, got ${JSON.stringify(obj)}`);
  }
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ConfigError(join(path, k), `unknown field; expected one of ${allowed.join(', ')}`);
  }
}

export function posInt(v: unknown, field: string): void {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ConfigError(field, `must be a positive integer, got ${JSON.stringify(v)}`);
}

export function nonNegInt(v: unknown, field: string): void {
  if (!Number.isInteger(v) || (v as number) < 0) throw new ConfigError(field, `must be a non-negative integer, got ${JSON.stringify(v)}`);
}

export function inRange(v: unknown, lo: number, hi: number, field: string, loOpen = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > hi || v < lo || (loOpen && v === lo)) {
    throw new ConfigError(field, `must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
}

export function finite(v: unknown, field: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(field, `must be a finite number, got ${JSON.stringify(v)}`);
}

export function bool(v: unknown, field: string): void {
  if (typeof v !== 'boolean') throw new ConfigError(field, `must be true or false, got ${JSON.stringify(v)}`);
}

export function oneOf<T>(v: unknown, choices: readonly T[], field: string): void {
  if (!choices.includes(v as T))
    throw new ConfigError(field, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(v)}`);
}

/** A tag that goes into run file names: letters and digits, '' for none. */
export function runTag(v: unknown, field: string): void {
  if (typeof v !== 'string' || !/^[a-z0-9]*$/i.test(v))
    throw new ConfigError(field, `must be letters and digits ('' for the main runs), got ${JSON.stringify(v)}`);
}

/** A non-empty list of distinct integer seeds. */
export function seedList(v: unknown, field: string): void {
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError(field, `must be a non-empty array of integers, got ${JSON.stringify(v)}`);
  v.forEach((s, i) => {
    if (!Number.isInteger(s)) throw new ConfigError(`${field}[${i}]`, `must be an integer, got ${JSON.stringify(s)}`);
  });
  if (new Set(v).size !== v.length) throw new ConfigError(field, `must be distinct, got ${JSON.stringify(v)}`);
}
