/**
 * npx tsx scripts/refingerprint-results.ts --probe-changed
 *
 * Re-stamps every entry under results/ with the fingerprint the current probe computes. Use it
 * only when the probe itself changed (lib/experiments/fingerprint.ts) and the training code did
 * not: the cache cannot tell those apart, so this is the maintainer saying so. Check first that a
 * committed run reproduces (re-run one with DNI_CACHE=off and compare its history), and say so in
 * the commit message. Each entry's config must resolve back to itself, or the entry is left alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../lib/core/backend';
import { storeEntry } from '../lib/experiments/cache';
import { canonicalJson } from '../lib/experiments/canonical-json';
import { fingerprint, fingerprintMismatch } from '../lib/experiments/fingerprint';
import { cacheConfig, experimentSpec, inputFromCacheConfig } from '../lib/experiments/run-classifier';
import { projectRoot } from '../lib/core/root';

async function main(): Promise<void> {
  if (!process.argv.includes('--probe-changed')) {
    console.error(
      'refingerprint-results: pass --probe-changed to confirm only the probe changed (see the comment at the top of this script)',
    );
    process.exit(2);
  }
  await initBackend();
  const dir = process.env.DNI_RESULTS_DIR || path.join(projectRoot(), 'results');
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const file = path.join(dir, f);
    const e = JSON.parse(fs.readFileSync(file, 'utf8'));
    const spec = experimentSpec(inputFromCacheConfig(e.config));
    if (canonicalJson(cacheConfig(spec)) !== canonicalJson(e.config)) {
      console.warn(`${f}: its config does not resolve back to itself; left alone`);
      continue;
    }
    const fp = await fingerprint(spec.dataset, spec.run);
    const why = e.fingerprint ? fingerprintMismatch(e.fingerprint, fp) : 'no fingerprint';
    storeEntry(file, e.config, fp, e.result, e.createdAt);
    console.log(`${f}: ${why ?? 'unchanged'}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
