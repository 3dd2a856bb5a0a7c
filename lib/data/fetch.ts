/**
 * Fetch on first use: the one downloader behind `npm run data` and the experiment runners.
 *
 *   await ensureDataset('ptb');            // downloads, checks and installs Penn Treebank if missing
 *   const corpus = loadPtb('char');        // then the (synchronous) loader reads it
 *
 * A dataset is fetched when one of its files is missing (or has the wrong size) in the data folder.
 * The archive comes from archiveSource() (official URL, DNI_DATA_MIRROR or a per-dataset URL), or
 * from `<data folder>/.downloads/<archive>` when it is already there (the offline route). Only the
 * expected members are extracted (extractMembers), into a scratch folder inside the data folder,
 * every file is checked by size and md5, and only then are they moved into place: a failed or
 * interrupted fetch leaves nothing where the loader looks. DNI_OFFLINE=1 turns a fetch into a
 * DataError with the command to run. Two processes needing the same dataset take turns (a lock file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../core/errors';
import { ARCHIVES, archiveMd5, archiveSource, type DownloadName, offline } from './archives';
import { fetchCommand, fileMatches, md5File, verifyFile } from './checksum';
import { downloadFile, type Log } from './download';
import { dataDir } from './paths';
import { wordToCharFormat } from './ptb';
import { extractMembers } from './tar';

/** The files of `name` in `root` that are missing, or whose size (and, with 'md5', content) is wrong. */
export function missingFiles(name: DownloadName, root: string, check: 'size' | 'md5' = 'size'): string[] {
  const a = ARCHIVES[name];
  return Object.keys(a.files).filter((f) => {
    const file = path.join(root, a.folder, f);
    if (check === 'md5') return !fileMatches(file, a.files[f]);
    try {
      const st = fs.statSync(file);
      return !st.isFile() || st.size !== a.files[f].bytes;
    } catch {
      return true;
    }
  });
}

/**
 * Installs `name`'s files from a local archive into `<root>/<folder>/`: the archive's md5 is checked
 * (when one is expected), the wanted members extracted, each file verified (and PTB's char-level
 * files derived from the word-level ones when the archive lacks them), then all moved into place.
 */
export async function installFromArchive(
  name: DownloadName,
  archive: string,
  root: string,
  options: { archiveMd5?: string | null; log?: Log } = {},
): Promise<string[]> {
  const a = ARCHIVES[name];
  const log = options.log ?? (() => undefined);
  const retry = `Delete ${archive} and fetch again (npm run data -- ${name}).`;
  const md5 = options.archiveMd5 === undefined ? archiveMd5(name) : options.archiveMd5;
  if (md5 !== null) {
    const found = md5File(archive);
    if (found !== md5) {
      throw new DataError(
        `archive ${archive} has md5 ${found}, expected ${md5}: it is not the ${a.label} archive, or it is damaged. ${retry}`,
      );
    }
  }
  fs.mkdirSync(root, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(root, '.extract-'));
  try {
    const wanted = new Map(Object.keys(a.files).map((f) => [a.member(f), f]));
    const got = await extractMembers(archive, wanted, scratch);
    const good: string[] = [];
    for (const f of Object.keys(a.files)) {
      const file = path.join(scratch, f);
      if (got.has(a.member(f))) {
        verifyFile(file, a.files[f], `The archive ${archive} holds a bad ${a.member(f)}. ${retry}`);
        log(`  verified ${f}`);
      } else if (a.derived.includes(f)) {
        const word = path.join(scratch, f.replace('ptb.char.', 'ptb.'));
        if (!good.includes(path.basename(word)))
          throw new DataError(`archive ${archive} has neither ${a.member(f)} nor its word-level file. ${retry}`);
        fs.writeFileSync(file, wordToCharFormat(fs.readFileSync(word, 'latin1')), 'latin1');
        verifyFile(
          file,
          a.files[f],
          `The archive ${archive} lacks ${f}, and the one derived from its word-level file does not match. ${retry}`,
        );
        log(`  derived ${f} from the word-level file (the archive has none) and verified it`);
      } else {
        throw new DataError(`archive ${archive} has no ${a.member(f)}: it is not the ${a.label} archive. ${retry}`);
      }
      good.push(f);
    }
    const dest = path.join(root, a.folder);
    fs.mkdirSync(dest, { recursive: true });
    for (const f of good) fs.renameSync(path.join(scratch, f), path.join(dest, f));
    return good;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export interface FetchOptions {
  /** The data folder (default: dataDir(), i.e. DNI_DATA_DIR or <project>/data). */
  root?: string;
  log?: Log;
  /** 'size' (fast; the loader checks md5s as it reads) or 'md5' (npm run data: check everything). */
  check?: 'size' | 'md5';
}

/** Makes sure `name` is installed in the data folder, fetching it if not. Returns whether it fetched. */
export async function ensureDataset(name: DownloadName, options: FetchOptions = {}): Promise<boolean> {
  const root = path.resolve(options.root ?? dataDir());
  const check = options.check ?? 'size';
  if (missingFiles(name, root, check).length === 0) return false;
  const log = options.log ?? ((m: string) => console.log(m));
  return withLock(root, name, log, async () => {
    const missing = missingFiles(name, root, check); // another process may have fetched it meanwhile
    if (missing.length === 0) return false;
    await fetchInto(name, root, missing, log);
    return true;
  });
}

async function fetchInto(name: DownloadName, root: string, missing: string[], log: Log): Promise<void> {
  const a = ARCHIVES[name];
  const local = path.join(root, '.downloads', a.file);
  const what = `${a.label} is not complete in ${path.join(root, a.folder)} (${missing.length === Object.keys(a.files).length ? 'missing' : `missing or wrong: ${missing.join(', ')}`})`;
  const ownCopy = fs.existsSync(local);
  if (!ownCopy && offline()) {
    throw new DataError(
      `${what}, and DNI_OFFLINE is set, so it was not downloaded. ${fetchCommand(name, root)} (unset DNI_OFFLINE), or put ${a.file} at ${local}.`,
    );
  }
  log(
    `${what}: ${ownCopy ? `installing from ${local}` : `fetching it (${(a.bytes / 1e6).toFixed(0)} MB) from ${archiveSource(name).from}`}`,
  );
  if (!ownCopy) {
    try {
      await downloadFile(archiveSource(name).url, local, { log, label: a.label });
    } catch (e) {
      if (e instanceof DataError) e.message += ` Once it is reachable: ${fetchCommand(name, root).replace(/^Fetch it with: /, '')}.`;
      throw e;
    }
  }
  try {
    const installed = await installFromArchive(name, local, root, { log });
    log(`${a.label}: installed ${installed.length} files into ${path.join(root, a.folder)}`);
  } finally {
    // A downloaded archive is not kept (the files are); one the user put there is theirs to delete.
    if (!ownCopy) fs.rmSync(local, { force: true });
  }
}

/**
 * Runs `fn` holding `<root>/.downloads/<name>.lock`, made with O_EXCL; waits while another live
 * process holds it and takes over one left by a dead process.
 */
async function withLock<T>(root: string, name: DownloadName, log: Log, fn: () => Promise<T>): Promise<T> {
  const dir = path.join(root, '.downloads');
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new DataError(
      `${ARCHIVES[name].label} is missing and cannot be fetched into ${root} (${code}): set DNI_DATA_DIR to a writable folder, or ${fetchCommand(name, root).replace(/^Fetch/, 'fetch')} as a user who can write there.`,
    );
  }
  const lock = path.join(dir, `${name}.lock`);
  let waited = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    let age = 0;
    try {
      holder = Number(fs.readFileSync(lock, 'utf8').trim());
      age = Date.now() - fs.statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    // An empty lock is one being written right now, unless it is old (its writer died first).
    const dead = Number.isInteger(holder) && holder > 0 ? !alive(holder) : age > 10_000;
    if (dead) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (!waited) log(`${ARCHIVES[name].label}: process ${holder} is fetching it; waiting`);
    waited = true;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
