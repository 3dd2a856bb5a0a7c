/**
 * Fetch on first use (lib/data/fetch.ts, tar.ts, download.ts): archives packed here from the real
 * dataset files and served by a local HTTP server set as the mirror. A repacked archive cannot have
 * the official archive's md5, so each test trusts its own archive explicitly (DNI_*_ARCHIVE_MD5);
 * the member files are still checked against the loaders' size and md5 tables.
 */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { archiveMd5, archiveSource } from '../lib/data/archives';
import { CIFAR10_FILES, CIFAR10_FOLDER } from '../lib/data/cifar10';
import { md5File } from '../lib/data/checksum';
import { progressLine } from '../lib/data/download';
import { ensureDataset, installFromArchive, missingFiles } from '../lib/data/fetch';
import { projectRoot } from '../lib/core/root';
import { loadPtb, PTB_FILES, PTB_FOLDER } from '../lib/data/ptb';
import { ConfigError, DataError } from '../lib/core/errors';
import { tarGz, type TarMember } from './tarpack';
import { withEnv } from './assert';

/** The folder holding the real files: $DNI_DATA_DIR, else ../shared/data (dev machines and CI). */
function sourceDir(folder: string): string | null {
  const shared = path.resolve(projectRoot(), '..', 'shared', 'data');
  const dir = process.env.DNI_DATA_DIR ? path.resolve(process.env.DNI_DATA_DIR) : shared;
  return fs.existsSync(path.join(dir, folder)) ? dir : null;
}

const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');

/** Mikolov's archive layout, word-level files only (the installer derives the char-level ones). */
function ptbMembers(dir: string): TarMember[] {
  return ['train', 'valid', 'test'].map((s) => ({
    name: `./simple-examples/data/ptb.${s}.txt`,
    body: fs.readFileSync(path.join(dir, PTB_FOLDER, `ptb.${s}.txt`)),
  }));
}

/** A local server: `files` by path; '/cut/<name>' sends half of <name> and drops the connection. */
async function serve(files: Map<string, Buffer>): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const cut = req.url?.startsWith('/cut/');
    const body = files.get(cut ? req.url!.slice(4) : (req.url ?? ''));
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length });
    if (!cut) return void res.end(body);
    res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function rejectsWith(p: Promise<unknown>, parts: (string | RegExp)[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    for (const x of parts) assert.ok(typeof x === 'string' ? e.message.includes(x) : x.test(e.message), `message lacks ${x}: ${e.message}`);
    return true;
  });
}

/** Every file and folder under `root`, relative, sorted. */
function tree(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort();
}

describe('data: fetch on first use (a local mirror)', function () {
  this.timeout(120_000);
  const temps: string[] = [];
  const tmp = (tag: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `dni-fetch-${tag}-`));
    temps.push(d);
    return d;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const quiet = () => undefined;

  it('a missing Penn Treebank is fetched, checked, installed and loaded; a second call does nothing', async function () {
    const src = sourceDir(PTB_FOLDER);
    if (src === null) return this.skip();
    const archive = tarGz(ptbMembers(src));
    const server = await serve(new Map([['/simple-examples.tgz', archive]]));
    const root = tmp('ptb');
    const lines: string[] = [];
    try {
      await withEnv(
        { DNI_DATA_MIRROR: server.url, DNI_PTB_ARCHIVE_MD5: md5(archive), DNI_PTB_URL: undefined, DNI_OFFLINE: undefined },
        async () => {
          assert.equal(await ensureDataset('ptb', { root, log: (m) => lines.push(m) }), true);
          assert.equal(await ensureDataset('ptb', { root, log: (m) => lines.push(m) }), false);
        },
      );
    } finally {
      await server.close();
    }
    assert.deepEqual(server.hits, ['/simple-examples.tgz'], 'downloaded once');
    assert.ok(
      lines.some((l) => /fetching it \(35 MB\) from DNI_DATA_MIRROR/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /Penn Treebank: .* MB\/s, done/.test(l)),
      lines.join('\n'),
    );
    assert.deepEqual(missingFiles('ptb', root, 'md5'), []);
    assert.deepEqual(tree(root), [
      '.downloads',
      PTB_FOLDER,
      ...Object.keys(PTB_FILES)
        .sort()
        .map((f) => path.join(PTB_FOLDER, f)),
    ]);
    assert.equal(loadPtb('char', { dir: root }).vocab.itos.length, 50);
  });

  it('CIFAR-10 from a mirror: all six files installed and checked', async function () {
    const src = sourceDir(CIFAR10_FOLDER);
    if (src === null) return this.skip();
    const archive = tarGz(
      Object.keys(CIFAR10_FILES).map((f) => ({ name: `${CIFAR10_FOLDER}/${f}`, body: fs.readFileSync(path.join(src, CIFAR10_FOLDER, f)) })),
    );
    const server = await serve(new Map([['/cifar-10-binary.tar.gz', archive]]));
    const root = tmp('cifar');
    try {
      await withEnv(
        { DNI_DATA_MIRROR: server.url, DNI_CIFAR10_ARCHIVE_MD5: md5(archive), DNI_CIFAR10_URL: undefined, DNI_OFFLINE: undefined },
        () => ensureDataset('cifar10', { root, log: quiet }),
      );
    } finally {
      await server.close();
    }
    for (const [f, spec] of Object.entries(CIFAR10_FILES)) assert.equal(md5File(path.join(root, CIFAR10_FOLDER, f)), spec.md5, f);
  });

  it('an archive that is not the official one is refused by its md5, unless trusted; nothing is left in place', async function () {
    const src = sourceDir(PTB_FOLDER);
    if (src === null) return this.skip();
    const archive = tarGz(ptbMembers(src));
    const server = await serve(new Map([['/x.tgz', archive]]));
    const root = tmp('md5');
    try {
      await withEnv({ DNI_PTB_URL: `${server.url}/x.tgz`, DNI_PTB_ARCHIVE_MD5: 'f'.repeat(32), DNI_OFFLINE: undefined }, () =>
        rejectsWith(ensureDataset('ptb', { root, log: quiet }), [
          path.join(root, '.downloads', 'simple-examples.tgz'),
          `md5 ${md5(archive)}`,
          `expected ${'f'.repeat(32)}`,
        ]),
      );
    } finally {
      await server.close();
    }
    assert.deepEqual(tree(root), ['.downloads']);
  });

  it('a corrupt member is refused naming the file, and nothing is installed', async function () {
    const src = sourceDir(PTB_FOLDER);
    if (src === null) return this.skip();
    const members = ptbMembers(src);
    const bad = Buffer.from(members[1].body as Buffer);
    bad[1000] ^= 1;
    members[1] = { ...members[1], body: bad };
    const root = tmp('corrupt');
    const file = path.join(tmp('a'), 'simple-examples.tgz');
    fs.writeFileSync(file, tarGz(members));
    await rejectsWith(installFromArchive('ptb', file, root, { archiveMd5: null }), [
      'simple-examples/data/ptb.valid.txt',
      'corrupt',
      PTB_FILES['ptb.valid.txt'].md5,
    ]);
    assert.deepEqual(tree(root), [], 'no file in place, no scratch folder');
  });

  it('members that climb out, absolute paths and links are refused; nothing is written anywhere', async () => {
    const root = path.join(tmp('evil'), 'data');
    const archive = path.join(tmp('b'), 'a.tgz');
    const good = { name: 'simple-examples/data/ptb.train.txt', body: 'x' };
    const cases: [TarMember, RegExp][] = [
      [{ name: 'simple-examples/data/../../../escaped.txt', body: 'pwned' }, /climbs out of its folder/],
      [{ name: '../escaped.txt', body: 'pwned' }, /climbs out of its folder/],
      [{ name: '/tmp/escaped.txt', body: 'pwned' }, /absolute path/],
      [
        { name: 'simple-examples/data/ptb.valid.txt', type: '2', linkname: '/etc/passwd' },
        /ptb\.valid\.txt is a symbolic link to "\/etc\/passwd", not a regular file/,
      ],
      [{ name: 'simple-examples/data/ptb.test.txt', type: '1', linkname: 'simple-examples/data/ptb.train.txt' }, /is a hard link/],
    ];
    for (const [evil, why] of cases) {
      fs.writeFileSync(archive, tarGz([good, evil]));
      await rejectsWith(installFromArchive('ptb', archive, root, { archiveMd5: null }), [archive, why]);
      assert.deepEqual(tree(root), [], `${evil.name}: nothing left in the data folder`);
      assert.deepEqual(
        tree(path.dirname(root)).filter((f) => f !== 'data'),
        [],
        `${evil.name}: nothing written beside it`,
      );
    }
    assert.ok(!fs.existsSync('/tmp/escaped.txt'));
  });

  it('a download cut half-way leaves nothing behind, and the next run succeeds', async function () {
    const src = sourceDir(PTB_FOLDER);
    if (src === null) return this.skip();
    const archive = tarGz(ptbMembers(src));
    const server = await serve(new Map([['/simple-examples.tgz', archive]]));
    const root = tmp('cut');
    try {
      await withEnv(
        { DNI_PTB_URL: `${server.url}/cut/simple-examples.tgz`, DNI_PTB_ARCHIVE_MD5: md5(archive), DNI_OFFLINE: undefined },
        () =>
          rejectsWith(ensureDataset('ptb', { root, log: quiet }), [
            `${server.url}/cut/simple-examples.tgz`,
            'broke after',
            'nothing was kept',
          ]),
      );
      assert.deepEqual(tree(root), ['.downloads'], 'no .part, no archive, no lock, no files');
      await withEnv({ DNI_PTB_URL: `${server.url}/simple-examples.tgz`, DNI_PTB_ARCHIVE_MD5: md5(archive), DNI_OFFLINE: undefined }, () =>
        ensureDataset('ptb', { root, log: quiet }),
      );
    } finally {
      await server.close();
    }
    assert.deepEqual(missingFiles('ptb', root, 'md5'), []);
  });

  it('DNI_OFFLINE=1 gives the clear error with the command; an archive put in .downloads is still used', async function () {
    const root = tmp('offline');
    await withEnv({ DNI_OFFLINE: '1' }, () =>
      rejectsWith(ensureDataset('ptb', { root, log: quiet }), [
        'Penn Treebank is not complete',
        'DNI_OFFLINE is set',
        'npm run data -- ptb',
        path.join(root, '.downloads', 'simple-examples.tgz'),
      ]),
    );
    const src = sourceDir(PTB_FOLDER);
    if (src === null) return this.skip();
    fs.mkdirSync(path.join(root, '.downloads'), { recursive: true });
    const local = path.join(root, '.downloads', 'simple-examples.tgz');
    const archive = tarGz(ptbMembers(src));
    fs.writeFileSync(local, archive);
    await withEnv({ DNI_OFFLINE: '1', DNI_PTB_ARCHIVE_MD5: md5(archive) }, () => ensureDataset('ptb', { root, log: quiet }));
    assert.deepEqual(missingFiles('ptb', root, 'md5'), []);
    assert.ok(fs.existsSync(local), "the user's own archive is kept");
  });

  it('two fetches of one dataset at once download it once (the second waits for the first)', async function () {
    const src = sourceDir(PTB_FOLDER);
    if (src === null) return this.skip();
    const archive = tarGz(ptbMembers(src));
    const server = await serve(new Map([['/simple-examples.tgz', archive]]));
    const root = tmp('twice');
    try {
      const got = await withEnv(
        { DNI_DATA_MIRROR: server.url, DNI_PTB_ARCHIVE_MD5: md5(archive), DNI_PTB_URL: undefined, DNI_OFFLINE: undefined },
        () => Promise.all([ensureDataset('ptb', { root, log: quiet }), ensureDataset('ptb', { root, log: quiet })]),
      );
      assert.deepEqual(got.sort(), [false, true]);
    } finally {
      await server.close();
    }
    assert.equal(server.hits.length, 1);
  });

  it('sources and settings: the official URL by default, the mirror, a per-dataset URL; bad values name the variable', async () => {
    await withEnv({ DNI_DATA_MIRROR: undefined, DNI_CIFAR10_URL: undefined, DNI_CIFAR10_ARCHIVE_MD5: undefined }, async () => {
      assert.equal(archiveSource('cifar10').url, 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
      assert.equal(archiveMd5('cifar10'), 'c32a1d4ab5d03f1284b67883e8d87530');
    });
    await withEnv({ DNI_DATA_MIRROR: 'https://m.example/dni/', DNI_PTB_URL: undefined }, async () => {
      assert.deepEqual(archiveSource('ptb'), { url: 'https://m.example/dni/simple-examples.tgz', from: 'DNI_DATA_MIRROR' });
    });
    await withEnv({ DNI_DATA_MIRROR: 'https://m.example', DNI_PTB_URL: 'http://h/p.tgz' }, async () =>
      assert.equal(archiveSource('ptb').url, 'http://h/p.tgz'),
    );
    const bad = (vars: Record<string, string>, field: string, fn: () => unknown) =>
      withEnv(vars, async () => assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.field === field));
    await bad({ DNI_DATA_MIRROR: 'ftp://m.example' }, 'DNI_DATA_MIRROR', () => archiveSource('cifar10'));
    await bad({ DNI_CIFAR10_URL: 'not a url' }, 'DNI_CIFAR10_URL', () => archiveSource('cifar10'));
    await bad({ DNI_PTB_ARCHIVE_MD5: 'abc' }, 'DNI_PTB_ARCHIVE_MD5', () => archiveMd5('ptb'));
    await withEnv({ DNI_OFFLINE: 'maybe' }, () =>
      assert.rejects(
        ensureDataset('ptb', { root: tmp('bad'), log: quiet }),
        (e: unknown) => e instanceof ConfigError && e.field === 'DNI_OFFLINE',
      ),
    );
  });

  it('an unwritable data folder is an error naming the folder and the fix', async () => {
    if (process.getuid?.() === 0) {
      console.log('    (root can write anywhere: checked with a file in place of the folder instead)');
    }
    const parent = tmp('ro');
    const root = path.join(parent, 'data');
    fs.writeFileSync(root, 'a file where the data folder should be');
    await withEnv({ DNI_OFFLINE: undefined }, () =>
      rejectsWith(ensureDataset('ptb', { root, log: quiet }), ['cannot be fetched into', root, 'set DNI_DATA_DIR to a writable folder']),
    );
  });

  it('progress lines give bytes, rate and time left', () => {
    assert.equal(progressLine(45.2e6, 170.1e6, 2), '45.2 of 170.1 MB (26%), 22.6 MB/s, 6 s left');
    assert.equal(progressLine(3e6, 0, 1), '3.0 MB, 3.0 MB/s');
  });
});
