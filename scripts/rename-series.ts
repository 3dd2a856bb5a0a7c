/**
 * Renames a statistic in the histories of stored results, in place, keeping each entry's config,
 * fingerprint and date (the checksum is recomputed). For a rename in the code that computes the
 * statistic: the numbers are the same, so the runs need not be recomputed.
 *
 *   npx tsx scripts/rename-series.ts <old> <new> <results entry>...
 */
import * as fs from 'node:fs';
import { storeEntry } from '../lib/experiments/cache';

type Json = Record<string, unknown>;

/** Renames `from` to `to` in every `series` object below `v`; returns how many it renamed. */
function rename(v: unknown, from: string, to: string): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + rename(x, from, to), 0);
  if (v === null || typeof v !== 'object') return 0;
  const o = v as Json;
  let n = 0;
  const series = o.series as Json | undefined;
  if (series && typeof series === 'object' && from in series) {
    if (to in series) throw new Error(`both ${from} and ${to} are present`);
    // Rebuilt in the same key order, so the entry reads the same apart from the name.
    o.series = Object.fromEntries(Object.entries(series).map(([k, x]) => [k === from ? to : k, x]));
    n++;
  }
  for (const [k, x] of Object.entries(o)) if (k !== 'series') n += rename(x, from, to);
  return n;
}

const [from, to, ...files] = process.argv.slice(2);
if (!from || !to || files.length === 0) {
  console.error('usage: npx tsx scripts/rename-series.ts <old> <new> <results entry>...');
  process.exit(2);
}
for (const file of files) {
  const e = JSON.parse(fs.readFileSync(file, 'utf8')) as { config: object; fingerprint: never; result: unknown; createdAt: string };
  const n = rename(e.result, from, to);
  if (n > 0) storeEntry(file, e.config, e.fingerprint, e.result, e.createdAt);
  console.log(`${file}: ${n} series renamed`);
}
