import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../core/errors';

/** The data folder a loader was pointed at, and how to point it elsewhere (the fix when it is a file). */
export interface DataRoot {
  dir: string;
  hint: string;
}

/** What DataError messages about a data file tell the user. */
export interface DataFileHints {
  /** How to get a good copy of the file; ends messages about a missing or bad file. */
  fetch: string;
  /** What the file should be (e.g. its size and md5); shown when it is missing. */
  expected?: string;
  /** The data folder, so that a file in its place is reported as such. */
  root?: DataRoot;
}

/** `s` quoted for a POSIX shell when it needs it, for commands pasted from messages. */
export function shellQuote(s: string): string {
  return /^[\w./:@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Stats `file`, which must be a regular file. Throws DataError saying what is wrong:
 * missing, a folder on its path that is a file or not searchable, a symlink loop, or
 * not a regular file. Statting before opening also keeps a FIFO from blocking a read.
 */
export function statDataFile(file: string, hints: DataFileHints): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw fileError(e, file, hints, 'stat');
  }
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device';
    const expected = hints.expected ? `; ${hints.expected}` : '';
    throw new DataError(`data file ${file} is not a regular file (it is ${kind}${expected}). ${hints.fetch}`);
  }
  return st;
}

/** Reads the whole of `file` (see statDataFile), turning errno codes into DataError. */
export function readDataFile(file: string, hints: DataFileHints): Buffer {
  statDataFile(file, hints);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw fileError(e, file, hints, 'open');
  }
  try {
    return fs.readFileSync(fd);
  } catch (e) {
    throw fileError(e, file, hints, 'read');
  } finally {
    fs.closeSync(fd);
  }
}

/** "EACCES: permission denied" from Node's "EACCES: permission denied, open '/x'". */
function errnoText(e: NodeJS.ErrnoException): string {
  const m = /^(E[A-Z]+: [^,]+)/.exec(e.message);
  return m ? m[1] : `${e.code}: ${e.message}`;
}

/**
 * The first prefix of `file`'s path that fails to stat, top down, and its code: it locates
 * the folder that is really a file (ENOTDIR), the link that loops (ELOOP), or the folder
 * that cannot be searched (EACCES), which the error on `file` alone does not name.
 */
function firstFailure(file: string): { at: string; code: string } | null {
  const abs = path.resolve(file);
  let at = path.parse(abs).root;
  for (const part of abs.slice(at.length).split(path.sep).filter(Boolean)) {
    at = path.join(at, part);
    try {
      fs.statSync(at);
    } catch (e) {
      return { at, code: String((e as NodeJS.ErrnoException).code) };
    }
  }
  return null;
}

/** Whether `a` is `b` or a folder above it. */
function isAtOrAbove(a: string, b: string): boolean {
  const rel = path.relative(path.resolve(a), path.resolve(b));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The DataError for fs error `e` on data file `file`; errors without an errno code pass through. */
function fileError(e: unknown, file: string, hints: DataFileHints, op: 'stat' | 'open' | 'read'): Error {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string') return e as Error;
  const expected = hints.expected ? ` (${hints.expected})` : '';
  const failed = firstFailure(file);
  switch (err.code) {
    case 'ENOENT': {
      let target: string | null = null;
      try {
        target = path.resolve(path.dirname(file), fs.readlinkSync(file));
      } catch {
        // Not a symlink: plainly missing.
      }
      const dangling = target === null ? '' : `: it is a symlink to ${target}, which does not exist`;
      return new DataError(`data file ${file} is missing${dangling}${expected}. ${hints.fetch}`);
    }
    case 'ENOTDIR': {
      const notDir = failed ? path.dirname(failed.at) : path.dirname(file);
      const root = hints.root;
      if (root && isAtOrAbove(notDir, root.dir)) {
        return new DataError(
          path.resolve(notDir) === path.resolve(root.dir)
            ? `the data folder ${root.dir} is a file, not a folder; ${root.hint}`
            : `the data folder ${root.dir} cannot exist: ${notDir} is a file, not a folder; ${root.hint}`,
        );
      }
      return new DataError(`data file ${file} cannot exist: ${notDir} is a file, not a folder; remove or rename it. ${hints.fetch}`);
    }
    case 'ELOOP': {
      const loop = failed?.code === 'ELOOP' ? failed.at : file;
      return new DataError(
        path.resolve(loop) === path.resolve(file)
          ? `data file ${file} is a symlink loop (ELOOP): its links never reach a file; delete it. ${hints.fetch}`
          : `${loop} is a symlink loop (ELOOP), so data file ${file} under it cannot be reached; make it a real folder or a link to one`,
      );
    }
    case 'EACCES':
    case 'EPERM':
      if (op === 'stat' && failed !== null && (failed.code === 'EACCES' || failed.code === 'EPERM')) {
        const folder = path.dirname(failed.at);
        return new DataError(
          `data file ${file} cannot be reached: folder ${folder} is not searchable (${errnoText(err)}); ` +
            `check its permissions (chmod a+rx ${shellQuote(folder)}) or the user running this`,
        );
      }
      return new DataError(
        `data file ${file} is not readable (${errnoText(err)}); check its permissions (chmod a+r ${shellQuote(file)}) or the user running this`,
      );
    default:
      return new DataError(`data file ${file} could not be read (${errnoText(err)})`);
  }
}
