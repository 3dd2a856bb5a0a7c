/**
 * Reuse finished runs across notebook executions.
 *
 *   const history = await cachedRun('mnist-fcn-cdni', config, () => train(config));
 *
 * Stores `{config, libraryVersion, result, createdAt, checksum}` as JSON in
 * `results/<name>-<hash>.json` at the project root. The hash covers the canonical (key-sorted)
 * JSON of the config and the library version (package.json version + a hash of the lib/ sources,
 * lib/notebook excepted), so a changed config or library recomputes. A corrupt or partial entry
 * is reported (naming the file) and recomputed, never used. DNI_CACHE=off disables reading
 * (results are still written); DNI_RESULTS_DIR moves the folder (tests use a temporary one).
 *
 * Results must be plain JSON: objects, arrays, strings, booleans, numbers. Non-finite numbers
 * become null, as in JSON; the value returned on a miss is the stored (round-tripped) one, so a
 * hit and a miss return the same thing.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './root';

export interface CacheOptions {
  /** Folder for entries (default: $DNI_RESULTS_DIR, else <project root>/results). */
  dir?: string;
  /** Recompute even if a valid entry exists (the new result replaces it). */
  force?: boolean;
  /** No "reusing …"/"computing …" line. */
  quiet?: boolean;
}

export interface CacheEntry<R> {
  config: unknown;
  libraryVersion: string;
  result: R;
  createdAt: string;
  checksum: string;
}

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

function sha256(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

function listSources(dir: string, rel: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (r === 'notebook') continue; // presentation code does not change results
      listSources(path.join(dir, e.name), r, out);
    } else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
      out.push(r);
    }
  }
}

const VERSION_KEY = Symbol.for('dni.notebook.cache.libraryVersion');

/**
 * package.json version + the first 12 hex digits of a sha256 over lib/**\/*.ts (lib/notebook
 * excepted), e.g. "0.1.0+3f2a9c01b7de". Computed once per process.
 */
export function libraryVersion(): string {
  const g = globalThis as Record<symbol, unknown>;
  if (typeof g[VERSION_KEY] === 'string') return g[VERSION_KEY] as string;
  const root = projectRoot();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  const files: string[] = [];
  listSources(path.join(root, 'lib'), '', files);
  files.sort();
  const h = crypto.createHash('sha256');
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(root, 'lib', f)));
    h.update('\0');
  }
  const version = `${pkg.version ?? '0.0.0'}+${files.length ? h.digest('hex').slice(0, 12) : 'nosources'}`;
  g[VERSION_KEY] = version;
  return version;
}

/** Forgets the computed library version (after rebuild(), lib/ may have changed). */
export function resetLibraryVersion(): void {
  delete (globalThis as Record<symbol, unknown>)[VERSION_KEY];
}

function checksumOf(e: Omit<CacheEntry<unknown>, 'checksum'>): string {
  return sha256(canonicalJson({ config: e.config, libraryVersion: e.libraryVersion, result: e.result, createdAt: e.createdAt }));
}

function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  if (!s) throw new Error(`cachedRun: name '${name}' has no usable characters`);
  return s;
}

/** The file an entry for (name, config) is stored in. */
export function cachePath(name: string, config: object, opts: CacheOptions = {}): string {
  const dir = opts.dir ?? (process.env.DNI_RESULTS_DIR || path.join(projectRoot(), 'results'));
  const key = sha256(canonicalJson({ config, libraryVersion: libraryVersion() })).slice(0, 16);
  return path.join(dir, `${safeName(name)}-${key}.json`);
}

/** Reads and verifies an entry: the result, or a reason why it cannot be used. */
function readEntry<R>(file: string, configJson: string, version: string): { result: R; createdAt: string } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { problem: 'missing' };
    return { problem: `unreadable (${(e as Error).message})` };
  }
  let entry: Partial<CacheEntry<R>>;
  try {
    entry = JSON.parse(text) as Partial<CacheEntry<R>>;
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message})` };
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return { problem: 'not a JSON object' };
  for (const f of ['config', 'libraryVersion', 'result', 'createdAt', 'checksum'] as const) {
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
  if (e.libraryVersion !== version) return { problem: `library version ${e.libraryVersion} is not ${version}` };
  if (canonicalJson(e.config) !== configJson) return { problem: 'stored config differs from the requested one' };
  return { result: e.result, createdAt: e.createdAt };
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function rel(file: string): string {
  const r = path.relative(projectRoot(), file);
  return r.startsWith('..') ? file : r;
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
  const version = libraryVersion();
  const file = cachePath(name, config, opts);
  const say = (msg: string) => {
    if (!opts.quiet) console.log(msg);
  };
  const readingOff = (process.env.DNI_CACHE ?? '').toLowerCase() === 'off';
  if (!readingOff && !opts.force) {
    const got = readEntry<R>(file, configJson, version);
    if ('result' in got) {
      say(`cachedRun(${name}): reusing ${rel(file)} (computed ${got.createdAt})`);
      return got.result;
    }
    if (got.problem !== 'missing') {
      console.warn(`cachedRun(${name}): ignoring ${rel(file)}: ${got.problem}; recomputing`);
    }
  }
  say(`cachedRun(${name}): computing${readingOff ? ' (DNI_CACHE=off)' : ''}`);
  const raw = await compute();
  let result: R;
  try {
    result = JSON.parse(canonicalJson(raw, 'result')) as R;
  } catch (e) {
    throw new Error(`cachedRun(${name}): the result must be plain JSON (${(e as Error).message})`);
  }
  const body = { config: JSON.parse(configJson) as unknown, libraryVersion: version, result, createdAt: new Date().toISOString() };
  const entry: CacheEntry<R> = { ...body, checksum: checksumOf(body) };
  writeAtomic(file, `${JSON.stringify(entry)}\n`);
  say(`cachedRun(${name}): stored ${rel(file)}`);
  return result;
}
