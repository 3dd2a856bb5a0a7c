import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { DataError } from '../core/errors';
import { type DataRoot, readDataFile, shellQuote, statDataFile } from './files';

/** What a data file must be: its exact size and md5 (hex, lower case). */
export interface FileSpec {
  bytes: number;
  md5: string;
}

/** md5 of a whole buffer, as lower-case hex. */
function md5Buffer(buf: Uint8Array): string {
  return crypto.createHash('md5').update(buf).digest('hex');
}

/** md5 of a file, read in 4 MiB chunks so memory stays flat for large archives. */
export function md5File(file: string): string {
  const hash = crypto.createHash('md5');
  const chunk = Buffer.allocUnsafe(4 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Reads `file` and checks it against `spec`, returning its bytes. Throws DataError when
 * the file is missing, has the wrong size (a cut-off download) or the wrong md5 (a
 * corrupt or different file), so a loader never parses, or returns, bad or partial data;
 * or when it cannot be read, saying why (see readDataFile). `fetchHint` is the sentence
 * telling how to get a good copy; `root` is the data folder the caller was pointed at.
 */
export function verifyFile(file: string, spec: FileSpec, fetchHint: string, root?: DataRoot): Buffer {
  const want = `expected ${spec.bytes} bytes with md5 ${spec.md5}`;
  const hints = { fetch: fetchHint, expected: want, root };
  const size = statDataFile(file, hints).size;
  if (size !== spec.bytes) {
    const what = size < spec.bytes ? 'truncated' : 'too large';
    throw new DataError(`data file ${file} is ${what}: ${want}, found ${size} bytes. ${fetchHint}`);
  }
  const buf = readDataFile(file, hints);
  const md5 = md5Buffer(buf);
  if (md5 !== spec.md5) {
    throw new DataError(`data file ${file} is corrupt: ${want}, found md5 ${md5}. ${fetchHint}`);
  }
  return buf;
}

/** Like verifyFile, but only answers whether the file is good (for skip-if-present logic). */
export function fileMatches(file: string, spec: FileSpec): boolean {
  try {
    const st = fs.statSync(file);
    return st.isFile() && st.size === spec.bytes && md5File(file) === spec.md5;
  } catch {
    return false;
  }
}

/** The shell command that fetches `dataset` into `dir` (the fix named by DataError messages). */
export function fetchCommand(dataset: 'cifar10' | 'ptb', dir: string): string {
  return `Fetch it with: DNI_DATA_DIR=${shellQuote(dir)} npm run data -- ${dataset}`;
}
