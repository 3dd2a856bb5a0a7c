/**
 * Ablations by dotted path, checked: every segment must name a field the config has or may have
 * (an optional field of a known spec), the new value must be of the field's kind (an array for an
 * array, an object for an object, a number for a number), and `__proto__`, `constructor` and
 * `prototype` are refused so that no path reaches Object.prototype.
 *
 *   override(pick(TABLE2_PRESETS.mnistFcn), { 'run.steps': 3000, 'trainer.synthesizer.targetUnits': 'batchMean' })
 */
import { ADAM_KEYS } from '../core/adam';
import { ConfigError } from '../core/errors';
import { CHAR_LM_KEYS } from '../runs/train-char-lm';
import { RUN_KEYS } from '../runs/train-classifier';
import { COPY_RUN_KEYS } from '../runs/train-copy';
import { RECURRENT_SYNTHESIZER_KEYS } from '../synthesizers/recurrent';
import { SYNTHESIZER_KEYS } from '../synthesizers/spec';
import { SYNTHETIC_INPUT_KEYS } from '../synthesizers/synthetic-input';
import { CURRICULUM_KEYS } from '../tasks/curriculum';
import { RECURRENT_KEYS } from '../trainers/recurrent-spec';
import { BPLAMBDA_KEYS } from '../trainers/spec';
import { GRID_KEYS, METHOD_SYNTHESIZER_KEYS } from './grid';

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];

/** What a grid or a section's run sets per cell (the network, λ, the method, T, the task's sizes): not an ablation. */
const SET_PER_CELL = ['network', 'lambda', 'syntheticInputs', 'method', 'T', 'inputs', 'outputs'];

const SYNTH_KEYS = [...new Set([...SYNTHESIZER_KEYS, ...RECURRENT_SYNTHESIZER_KEYS])];

/** Fields an object may hold beyond those it has, by the name of the field holding it ('' at the root). */
function optionalFields(name: string, grand: string, obj: Record<string, unknown>): readonly string[] {
  if ('family' in obj) return GRID_KEYS;
  if (grand === 'methodSynthesizers' || grand === 'synthesizers') return SYNTH_KEYS;
  switch (name) {
    case 'trainer':
      return [...BPLAMBDA_KEYS, ...RECURRENT_KEYS].filter((k) => !SET_PER_CELL.includes(k));
    case 'run':
      return [...RUN_KEYS, ...COPY_RUN_KEYS, ...CHAR_LM_KEYS].filter((k) => k !== 'curriculum');
    case 'synthesizer':
      return SYNTH_KEYS;
    case 'methodSynthesizers':
      return METHOD_SYNTHESIZER_KEYS;
    case 'optimizer':
      return ADAM_KEYS;
    case 'syntheticInputs':
      return SYNTHETIC_INPUT_KEYS;
    case 'curriculum':
      return CURRICULUM_KEYS;
    default:
      return [];
  }
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The field of `fields` nearest to `k` (case-insensitive edit distance). */
export function nearestField(k: string, fields: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const f of fields) {
    const d = distance(k.toLowerCase(), f.toLowerCase());
    if (d < bestD) [best, bestD] = [f, d];
  }
  return best;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** "an array", "an object", "a number", "true or false", or null when any value may replace `was`. */
function kindOf(was: unknown): string | null {
  if (Array.isArray(was)) return 'an array';
  if (isObject(was)) return 'an object';
  if (typeof was === 'number') return 'a number';
  if (typeof was === 'boolean') return 'true or false';
  return null;
}

function fits(was: unknown, v: unknown): boolean {
  if (Array.isArray(was)) return Array.isArray(v);
  if (isObject(was)) return isObject(v);
  if (typeof was === 'number' || typeof was === 'boolean') return typeof v === typeof was;
  return true;
}

/** Throws unless `k` may be set on `obj` (the object at `at`, held by field `name` of a field `grand`). */
function checkField(obj: Record<string, unknown>, k: string, at: string[], path: string): void {
  const field = [...at, k].join('.');
  if (FORBIDDEN.includes(k)) throw new ConfigError(field, `'${k}' is not a config field; override refuses it in '${path}'`);
  if (Object.keys(obj).includes(k)) return;
  const name = at[at.length - 1] ?? '';
  const grand = at[at.length - 2] ?? '';
  if (name === 'synthesizers' && /^\d+$/.test(k)) return; // a connection's override
  const fields = [...new Set([...Object.keys(obj), ...optionalFields(name, grand, obj)])];
  if (fields.includes(k)) return;
  const near = nearestField(k, fields);
  throw new ConfigError(
    field,
    `unknown field${at.length ? ` of '${at.join('.')}'` : ''}${near ? ` (did you mean '${[...at, near].join('.')}'?)` : ''}; the fields there: ${fields.join(', ')}`,
  );
}

/** A config with fields replaced by dotted path (see above); the config itself is not changed. */
export function override<C>(config: C, changes: Record<string, unknown>): C {
  const out = structuredClone(config) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    let obj = out;
    keys.forEach((k, i) => {
      const at = keys.slice(0, i);
      checkField(obj, k, at, path);
      if (i === keys.length - 1) return;
      const next = obj[k] ?? (obj[k] = {});
      if (!isObject(next))
        throw new ConfigError(
          keys.slice(0, i + 1).join('.'),
          `'${keys.slice(0, i + 1).join('.')}' is not an object, so '${path}' cannot be set`,
        );
      obj = next;
    });
    const k = keys[keys.length - 1];
    const was = obj[k];
    if (was !== undefined && !fits(was, value))
      throw new ConfigError(path, `must be ${kindOf(was)} (as ${JSON.stringify(was)}), got ${JSON.stringify(value)}`);
    obj[k] = value;
  }
  return out as C;
}
