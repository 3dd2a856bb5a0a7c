/** The canonical JSON a results entry is keyed and checksummed by (cache.ts). */
import { RECURRENT_SYNTHESIZER_OFF } from '../synthesizers/recurrent';
import { RECURRENT_OPTIONS_OFF, type RecurrentSpec } from '../trainers/recurrent-spec';

/**
 * JSON with object keys sorted at every level; throws on values JSON cannot hold, naming where
 * (`where` names the root in that message).
 */
export function canonicalJson(value: unknown, where = '$'): string {
  return JSON.stringify(toPlain(value, where));
}

function toPlain(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) {
    return value.map((v, i) => {
      if (v === undefined) throw new Error(`not plain JSON: ${where}[${i}] is undefined`);
      return toPlain(v, `${where}[${i}]`);
    });
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as object).constructor?.name ?? 'object';
      const hint = ArrayBuffer.isView(value) ? ' (use Array.from)' : '';
      throw new Error(`not plain JSON: ${where} is a ${kind}${hint}`);
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue; // as JSON.stringify does
      out[k] = toPlain(v, `${where}.${k}`);
    }
    return out;
  }
  throw new Error(`not plain JSON: ${where} is a ${typeof value}`);
}

/** `o` without the options that are at their off value (so runs made before an option existed keep their keys). */
export function withoutOff<T extends object>(o: T, off: Readonly<Record<string, unknown>>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && !(k in off && v === off[k]))) as Partial<T>;
}

/**
 * A recurrent trainer's spec as the results cache keys it: without the options, the synthesizer's
 * included, that were added after runs were committed when they are at their off values.
 */
export function recurrentCacheTrainer(spec: RecurrentSpec): RecurrentSpec {
  // Typed as the spec it stands for (the missing fields read as their off values).
  return {
    ...withoutOff(spec, RECURRENT_OPTIONS_OFF),
    synthesizer: withoutOff(spec.synthesizer, RECURRENT_SYNTHESIZER_OFF),
  } as RecurrentSpec;
}
