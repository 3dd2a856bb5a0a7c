/**
 * The results cache's file handling (cache.ts): atomic writes, temporary files left by killed
 * processes, free space, the DNI_CACHE_LOG list, and entry paths that are links to nothing.
 * A failure to store or log never loses a computed result: the caller warns and returns it.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Below this much free space in the results folder a run is warned, before it trains, that its entry may not be stored. */
export const LOW_SPACE_BYTES = 64 * 1024 * 1024;

/** A temporary file of writeAtomic: `<entry>.tmp-<pid>-<hex>`. */
const TMP = /\.tmp-(\d+)-[0-9a-f]+$/;

/** Writes `text` to a temporary file beside `file`, then renames it into place; the temporary file never outlives a failure. */
export function writeAtomic(file: string, text: string): void {
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temporary files in `dir` whose writing process is no longer running (killed between the write and the rename). */
export function staleTemporaryFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((f) => {
      const m = TMP.exec(f);
      return m !== null && !alive(Number(m[1]));
    })
    .sort()
    .map((f) => path.join(dir, f));
}

const swept = new Set<string>();

/** Once per folder and process: removes the stale temporary files, saying so. */
export function sweepTemporaryFiles(dir: string, say: (msg: string) => void): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  for (const f of staleTemporaryFiles(dir)) {
    try {
      fs.rmSync(f, { force: true });
      say(`results cache: removed ${f}, a temporary file left by process ${TMP.exec(f)?.[1]}, which is no longer running`);
    } catch (e) {
      say(`results cache: could not remove the stale temporary file ${f} (${(e as Error).message})`);
    }
  }
}

/** Bytes free to this user in `dir`, or null where the system cannot say. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** A warning when the folder is nearly full, else null. */
export function lowSpaceWarning(dir: string): string | null {
  const free = freeBytes(dir);
  if (free === null || free >= LOW_SPACE_BYTES) return null;
  return `only ${(free / 1024 / 1024).toFixed(1)} MB free in ${dir}: the run's entry may not be stored (its result is still returned); free some space or set DNI_RESULTS_DIR`;
}

/** Appends a line to the DNI_CACHE_LOG file; a failure is a warning, never an error (a log must not end a run). */
export function appendLog(log: string, line: string, warn: (msg: string) => void): void {
  try {
    fs.appendFileSync(log, `${line}\n`);
  } catch (e) {
    warn(`results cache: could not append to DNI_CACHE_LOG ${log} (${(e as Error).message}); the run goes on`);
  }
}

/** Where the entry path is a symbolic link to nothing, what it points to; else null. */
export function danglingLink(file: string): string | null {
  try {
    if (!fs.lstatSync(file).isSymbolicLink()) return null;
  } catch {
    return null;
  }
  return fs.existsSync(file) ? null : fs.readlinkSync(file);
}
