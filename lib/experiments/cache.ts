/**
 * Reuse finished runs across notebook executions.
 *
 *   const result = await cachedRun('mnist-fcn-cdni', config, () => train(config), { fingerprint: () => fingerprint(…) });
 *
 * Stores `{config, fingerprint, result, createdAt, checksum}` as JSON in `results/<name>-<key>.json`
 * at the project root, where the key hashes the canonical (key-sorted) JSON of the config. An entry
 * is reused only if its config is the requested one and its numerics fingerprint still matches
 * what the code computes now (see fingerprint.ts): a comment or a refactor keeps committed runs,
 * a changed formula or dataset recomputes them. A corrupt or partial entry is reported (naming the
 * file) and recomputed, never used. DNI_CACHE=off recomputes every run (and overwrites its entry);
 * DNI_RESULTS_DIR moves the folder (tests use a temporary one); DNI_CACHE_LOG=<file> appends the
 * path of every entry used (reused or stored) to that file (scripts/prune-results.ts reads it).
 *
 * Faults (cache-files.ts): temporary files left by killed processes are removed when a folder is
 * first used; a nearly full disk is reported before the run trains; an entry that cannot be
 * written, or a log line that cannot be appended, is a warning naming the path and the error, and
 * the computed result is returned all the same.
 *
 * Results must be plain JSON: objects, arrays, strings, booleans, numbers. Non-finite numbers
 * become null, as in JSON; the value returned on a miss is the stored (round-tripped) one, so a
 * hit and a miss return the same thing.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../core/root';
import { appendLog, danglingLink, lowSpaceWarning, sweepTemporaryFiles, writeAtomic } from './cache-files';
import { canonicalJson } from './canonical-json';
import { type Fingerprint, fingerprintMismatch } from './fingerprint';

export interface CacheOptions {
  /** The numerics fingerprint of the run (stored with it; a stored entry must still match). */
  fingerprint?: () => Promise<Fingerprint>;
  /** Folder for entries (default: $DNI_RESULTS_DIR, else <project root>/results). */
  dir?: string;
  /** Recompute even if a valid entry exists (the new result replaces it). */
  force?: boolean;
  /** No "reusing …"/"computing …" line. */
  quiet?: boolean;
  /** Called with a reused result and when it was computed (e.g. to print a summary). */
  // biome-ignore lint/suspicious/noExplicitAny: each caller reads its own result type; the cache stores plain JSON
  onHit?: (result: any, createdAt: string) => void;
}

export interface CacheEntry<R> {
  config: unknown;
  fingerprint: Fingerprint | null;
  result: R;
  createdAt: string;
  checksum: string;
}

function sha256(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

function checksumOf(e: Omit<CacheEntry<unknown>, 'checksum'>): string {
  return sha256(canonicalJson({ config: e.config, fingerprint: e.fingerprint, result: e.result, createdAt: e.createdAt }));
}

function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  if (!s) throw new Error(`cachedRun: name '${name}' has no usable characters`);
  return s;
}

/** The file an entry for (name, config) is stored in. */
export function cachePath(name: string, config: object, opts: CacheOptions = {}): string {
  const dir = opts.dir ?? (process.env.DNI_RESULTS_DIR || path.join(projectRoot(), 'results'));
  const key = sha256(canonicalJson(config)).slice(0, 16);
  return path.join(dir, `${safeName(name)}-${key}.json`);
}

/** Reads and verifies an entry: the result, or a reason why it cannot be used. */
function readEntry<R>(file: string, configJson: string, now: Fingerprint | null): { result: R; createdAt: string } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const to = danglingLink(file);
      return { problem: to === null ? 'missing' : `a symbolic link to ${to}, which does not exist` };
    }
    return { problem: `unreadable (${(e as Error).message})` };
  }
  let entry: Partial<CacheEntry<R>>;
  try {
    entry = JSON.parse(text) as Partial<CacheEntry<R>>;
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message})` };
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return { problem: 'not a JSON object' };
  for (const f of ['config', 'fingerprint', 'result', 'createdAt', 'checksum'] as const) {
    if (!(f in entry)) return { problem: `missing field '${f}'` };
  }
  const e = entry as CacheEntry<R>;
  let sum: string;
  try {
    sum = checksumOf(e);
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (sum !== e.checksum) return { problem: 'checksum mismatch (edited or truncated)' };
  if (canonicalJson(e.config) !== configJson) return { problem: 'stored config differs from the requested one' };
  if (now) {
    if (!e.fingerprint) return { problem: 'stored without a numerics fingerprint' };
    const why = fingerprintMismatch(e.fingerprint, now);
    if (why) return { problem: why };
  }
  return { result: e.result, createdAt: e.createdAt };
}

function rel(file: string): string {
  const r = path.relative(projectRoot(), file);
  return r.startsWith('..') ? file : r;
}

/**
 * Fails before a run is computed, not after, when its entry could not be written: the entry's
 * path is a folder, or the results folder is a file or cannot be made.
 */
function checkWritable(name: string, file: string): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(
      `cachedRun(${name}): cannot use ${dir} as the results folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); set DNI_RESULTS_DIR to a writable folder`,
    );
  }
  if (!fs.statSync(dir).isDirectory())
    throw new Error(`cachedRun(${name}): the results folder ${dir} is a file; remove it or set DNI_RESULTS_DIR to a folder`);
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(file);
  } catch {
    return; // no entry yet: the usual case
  }
  if (!st.isFile())
    throw new Error(
      `cachedRun(${name}): the entry path ${file} is a ${st.isDirectory() ? 'folder' : 'special file'}, so the result could not be stored; remove it (rm -r '${file}') and run again`,
    );
}

/** A valid entry of the same config (the same key) stored under another name, if any. */
function findTwin<R>(file: string, configJson: string, now: Fingerprint | null): { file: string; result: R; createdAt: string } | null {
  const dir = path.dirname(file);
  const suffix = file.slice(file.lastIndexOf('-'));
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith(suffix) || path.join(dir, f) === file) continue;
    const got = readEntry<R>(path.join(dir, f), configJson, now);
    if ('result' in got) return { file: path.join(dir, f), ...got };
  }
  return null;
}

/**
 * Returns the stored result of the run (name, config) if a valid one exists, else computes it,
 * stores it and returns it.
 */
export async function cachedRun<R>(name: string, config: object, compute: () => Promise<R>, opts: CacheOptions = {}): Promise<R> {
  let configJson: string;
  try {
    configJson = canonicalJson(config, 'config');
  } catch (e) {
    throw new Error(`cachedRun(${name}): the config must be plain JSON (${(e as Error).message})`);
  }
  const file = cachePath(name, config, opts);
  checkWritable(name, file);
  sweepTemporaryFiles(path.dirname(file), console.warn);
  // DNI_CACHE_LOG lists every entry a notebook run uses (hit or stored), so unused ones can be found.
  if (process.env.DNI_CACHE_LOG) appendLog(process.env.DNI_CACHE_LOG, file, console.warn);
  const fp = opts.fingerprint ? await opts.fingerprint() : null;
  const say = (msg: string) => {
    if (!opts.quiet) console.log(msg);
  };
  const readingOff = (process.env.DNI_CACHE ?? '').toLowerCase() === 'off';
  if (!readingOff && !opts.force) {
    const got = readEntry<R>(file, configJson, fp);
    if ('result' in got) {
      say(`cachedRun(${name}): reusing ${rel(file)} (computed ${got.createdAt})`);
      opts.onHit?.(got.result, got.createdAt);
      return got.result;
    }
    if (got.problem !== 'missing') {
      console.warn(`cachedRun(${name}): ignoring ${rel(file)}: ${got.problem}; recomputing`);
    } else {
      // The same config under another name (e.g. notebook 05's 6-layer cDNI is notebook 02's):
      // the run is the same, so its valid entry is copied under this name.
      const twin = findTwin<R>(file, configJson, fp);
      if (twin) {
        try {
          fs.copyFileSync(twin.file, file);
        } catch (e) {
          console.warn(`cachedRun(${name}): could not copy ${rel(twin.file)} to ${rel(file)} (${(e as Error).message}); using it in place`);
        }
        say(`cachedRun(${name}): reusing ${rel(twin.file)} (the same config) as ${rel(file)}`);
        opts.onHit?.(twin.result, twin.createdAt);
        return twin.result;
      }
    }
  }
  say(`cachedRun(${name}): computing${readingOff ? ' (DNI_CACHE=off)' : ''}`);
  const low = lowSpaceWarning(path.dirname(file));
  if (low) console.warn(`cachedRun(${name}): ${low}`);
  const raw = await compute();
  let result: R;
  try {
    result = JSON.parse(canonicalJson(raw, 'result')) as R;
  } catch (e) {
    throw new Error(`cachedRun(${name}): the result must be plain JSON (${(e as Error).message})`);
  }
  try {
    storeEntry(file, config, fp, result);
    say(`cachedRun(${name}): stored ${rel(file)}`);
  } catch (e) {
    // A full disk (ENOSPC) or a vanished folder must not lose a run that took hours.
    console.warn(`cachedRun(${name}): could not store ${file} (${(e as Error).message}); the result is returned but not cached`);
  }
  return result;
}

/** Writes an entry (atomically), with its checksum. `createdAt` defaults to now. */
export function storeEntry(
  file: string,
  config: object,
  fingerprint: Fingerprint | null,
  result: unknown,
  createdAt = new Date().toISOString(),
): void {
  const body = {
    config: JSON.parse(canonicalJson(config, 'config')) as unknown,
    fingerprint,
    result: JSON.parse(canonicalJson(result, 'result')) as unknown,
    createdAt,
  };
  const entry: CacheEntry<unknown> = { ...body, checksum: checksumOf(body) };
  writeAtomic(file, `${JSON.stringify(entry)}\n`);
}
