/**
 * npx tsx scripts/refingerprint-results.ts --probe-changed
 *
 * Re-stamps every entry under results/ with the fingerprint the current probe computes. Use it
 * only when the probe itself changed (lib/experiments/fingerprint.ts, or the Copy and char-LM
 * probes in run-copy.ts and run-char-lm.ts) and the training code did not: the cache cannot tell
 * those apart, so this is the maintainer saying so. Check first that a committed run reproduces
 * (re-run one with DNI_CACHE=off and compare its history), and say so in the commit message.
 *
 * Every kind of entry is handled: feed-forward runs (a config with a dataset), Copy and Repeat
 * Copy runs, character-level PTB runs (DNI_DATA_DIR), two networks on two clocks (section 14),
 * the sufficiency runs (section 13) and the wall-clock runs (section 15). Each entry is reported on one line:
 * unchanged (not rewritten), re-stamped (with what differed), or left alone (with why: unreadable, a config that
 * does not resolve back to itself, an unknown kind). One bad entry never stops the others; the
 * exit status is 1 when any was left alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../lib/core/backend';
import { projectRoot } from '../lib/core/root';
import { storeEntry } from '../lib/experiments/cache';
import { canonicalJson } from '../lib/experiments/canonical-json';
import { type Fingerprint, fingerprint, fingerprintMismatch } from '../lib/experiments/fingerprint';
import { charLmCacheConfig, charLmFingerprint, loadPtbChars } from '../lib/experiments/run-char-lm';
import { cacheConfig, experimentSpec, inputFromCacheConfig } from '../lib/experiments/run-classifier';
import { copyCacheConfig, copyFingerprint } from '../lib/experiments/run-copy';
import { sufficiencyFingerprint } from '../lib/experiments/run-sufficiency';
import type { SufficiencySpec } from '../lib/runs/sufficiency-spec';
import { twoClocksFingerprint } from '../lib/experiments/run-two-clocks';
import { type WallClockRunSpec, wallClockFingerprint } from '../lib/experiments/run-wall-clock';
import type { TwoClocksRunSpec } from '../lib/runs/train-two-clocks';
import { charLmSpec } from '../lib/runs/train-char-lm';
import { copyRunSpec } from '../lib/runs/train-copy';
import { type EntryKind, entryKind } from './entry-kind';

type Config = Record<string, unknown>;

/** An entry's config resolved again by the current code: what its key config is now, and its fingerprint. */
async function resolve(config: Config): Promise<{ kind: EntryKind; again: unknown; fp: () => Promise<Fingerprint> }> {
  const kind = entryKind(config);
  switch (kind) {
    case 'char-LM': {
      const corpus = await loadPtbChars();
      const spec = charLmSpec(config.run as Parameters<typeof charLmSpec>[0], corpus.vocab.itos.length);
      return { kind, again: charLmCacheConfig(spec), fp: () => charLmFingerprint(spec, corpus) };
    }
    case 'Copy': {
      const spec = copyRunSpec(config.run as Parameters<typeof copyRunSpec>[0]);
      return { kind, again: copyCacheConfig(spec), fp: () => copyFingerprint(spec) };
    }
    case 'two-clocks': {
      const spec = config.run as TwoClocksRunSpec;
      return { kind, again: { task: 'two-clocks', dataset: 'mnist', run: spec }, fp: () => twoClocksFingerprint(spec) };
    }
    case 'sufficiency': {
      const spec = config.run as SufficiencySpec;
      return { kind, again: { task: 'sufficiency', run: spec }, fp: () => sufficiencyFingerprint(spec) };
    }
    case 'wall-clock': {
      const { task: _task, dataset: _dataset, ...spec } = config;
      const run = spec as unknown as WallClockRunSpec;
      return { kind, again: { task: 'wall-clock', dataset: 'mnist', ...run }, fp: () => wallClockFingerprint(run) };
    }
    case 'feed-forward': {
      const spec = experimentSpec(inputFromCacheConfig(config as Parameters<typeof inputFromCacheConfig>[0]));
      return { kind, again: cacheConfig(spec), fp: () => fingerprint(spec.dataset, spec.run) };
    }
  }
}

async function main(): Promise<void> {
  if (!process.argv.includes('--probe-changed')) {
    console.error(
      'refingerprint-results: pass --probe-changed to confirm only the probe changed (see the comment at the top of this script)',
    );
    process.exit(2);
  }
  await initBackend();
  const dir = process.env.DNI_RESULTS_DIR || path.join(projectRoot(), 'results');
  let leftAlone = 0;
  let restamped = 0;
  const files = fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort();
  for (const f of files) {
    const file = path.join(dir, f);
    try {
      const e = JSON.parse(fs.readFileSync(file, 'utf8'));
      const { kind, again, fp } = await resolve(e.config);
      if (canonicalJson(again) !== canonicalJson(e.config)) throw new Error(`its ${kind} config does not resolve back to itself`);
      const now = await fp();
      const why = e.fingerprint ? fingerprintMismatch(e.fingerprint, now) : 'no fingerprint';
      // An entry that still matches is not rewritten: its stored numbers are within tolerance.
      if (why) {
        storeEntry(file, e.config, now, e.result, e.createdAt);
        restamped++;
      }
      console.log(`${f}: ${kind}, ${why ? `re-stamped (${why})` : 'unchanged'}`);
    } catch (err) {
      leftAlone++;
      console.warn(`${f}: left alone: ${(err as Error).message}`);
    }
  }
  console.log(
    `${files.length} entries: ${restamped} re-stamped, ${files.length - leftAlone - restamped} unchanged, ${leftAlone} left alone`,
  );
  if (leftAlone) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
