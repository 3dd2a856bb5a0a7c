/**
 * Faults of the results cache: a temporary file left by a killed process is removed (and listed
 * by scripts/prune-results.ts), a failing write (a full disk, a vanished folder) returns the
 * result with a warning naming the path and the error, a failing DNI_CACHE_LOG never ends a run,
 * and an entry that is a link to nothing is reported.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cachedRun, cachePath } from '../lib/experiments/cache';
import { lowSpaceWarning, staleTemporaryFiles } from '../lib/experiments/cache-files';

/** Runs f with console.warn captured; returns f's value and the warnings. */
async function warnings<T>(f: () => Promise<T>): Promise<{ value: T; warned: string[] }> {
  const warned: string[] = [];
  const saved = console.warn;
  console.warn = (...a: unknown[]) => warned.push(a.join(' '));
  try {
    return { value: await f(), warned };
  } finally {
    console.warn = saved;
  }
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.ok(r.pid && r.status === 0);
  return r.pid;
}

describe('results cache faults', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-cache-faults-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("removes temporary files of dead processes when the cache opens, keeps a live process's, and prune lists them", async () => {
    const dead = path.join(dir, `a-0123456789abcdef.json.tmp-${deadPid()}-deadbeef`);
    const live = path.join(dir, `b-0123456789abcdef.json.tmp-${process.pid}-cafef00d`);
    fs.writeFileSync(dead, '{"partial');
    fs.writeFileSync(live, '{"partial');
    assert.deepEqual(staleTemporaryFiles(dir), [dead]);
    fs.writeFileSync(path.join(dir, 'used.log'), '');
    const prune = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/prune-results.ts', path.join(dir, 'used.log')], {
      env: { ...process.env, DNI_RESULTS_DIR: dir },
      encoding: 'utf8',
    });
    assert.match(prune.stdout, new RegExp(`stale temporary file: .*${path.basename(dead)}`), prune.stdout + prune.stderr);
    const { value, warned } = await warnings(() => cachedRun('t', { a: 1 }, async () => ({ x: 1 }), { dir, quiet: true }));
    assert.deepEqual(value, { x: 1 });
    assert.equal(fs.existsSync(dead), false, "the dead process's temporary file is removed");
    assert.equal(fs.existsSync(live), true, "a running process's temporary file is kept");
    assert.ok(
      warned.some((w) => w.includes(dead) && /no longer running/.test(w)),
      warned.join('\n'),
    );
  });

  it('returns the result with a warning naming the path and the error when the entry cannot be written', async () => {
    const results = path.join(dir, 'results');
    // The injected fault: while the run computes, its results folder becomes a file (ENOTDIR / EEXIST on write).
    const { value, warned } = await warnings(() =>
      cachedRun(
        'full',
        { b: 2 },
        async () => {
          fs.rmSync(results, { recursive: true, force: true });
          fs.writeFileSync(results, 'not a folder');
          return { y: [1, 2] };
        },
        { dir: results, quiet: true },
      ),
    );
    assert.deepEqual(value, { y: [1, 2] });
    const file = cachePath('full', { b: 2 }, { dir: results });
    assert.ok(
      warned.some((w) => w.includes(file) && /could not store/.test(w) && /E[A-Z]+/.test(w)),
      warned.join('\n'),
    );
    assert.deepEqual(fs.readdirSync(dir), ['results'], 'no temporary file left');
  });

  it('a DNI_CACHE_LOG that cannot be written is a warning, never the end of a run', async () => {
    const saved = process.env.DNI_CACHE_LOG;
    process.env.DNI_CACHE_LOG = dir; // a folder: appending fails with EISDIR
    try {
      const { value, warned } = await warnings(() => cachedRun('log', { c: 3 }, async () => 7, { dir, quiet: true }));
      assert.equal(value, 7);
      assert.ok(
        warned.some((w) => /DNI_CACHE_LOG/.test(w) && /EISDIR/.test(w)),
        warned.join('\n'),
      );
    } finally {
      if (saved === undefined) delete process.env.DNI_CACHE_LOG;
      else process.env.DNI_CACHE_LOG = saved;
    }
  });

  it('reports an entry that is a symbolic link to nothing, then recomputes it', async () => {
    const file = cachePath('link', { d: 4 }, { dir });
    fs.symlinkSync(path.join(dir, 'gone.json'), file);
    const { value, warned } = await warnings(() => cachedRun('link', { d: 4 }, async () => 'fresh', { dir, quiet: true }));
    assert.equal(value, 'fresh');
    assert.ok(
      warned.some((w) => /symbolic link to .*gone\.json, which does not exist; recomputing/.test(w)),
      warned.join('\n'),
    );
    assert.equal(fs.lstatSync(file).isFile(), true, 'the link is replaced by the entry');
  });

  it('on a full disk (a 64 kB tmpfs, where mounting is allowed) warns before the run, then returns the result with ENOSPC named', async function () {
    const mnt = path.join(dir, 'small');
    fs.mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status !== 0) this.skip();
    try {
      fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(60 * 1024));
      assert.match(lowSpaceWarning(mnt) ?? '', /only 0\.\d MB free in .*small/);
      const { value, warned } = await warnings(() =>
        cachedRun('disk', { e: 5 }, async () => ({ h: 'x'.repeat(20_000) }), { dir: mnt, quiet: true }),
      );
      assert.equal(value.h.length, 20_000);
      const free = warned.findIndex((w) => /MB free in/.test(w));
      const lost = warned.findIndex((w) => w.includes(cachePath('disk', { e: 5 }, { dir: mnt })) && /ENOSPC/.test(w));
      assert.ok(free >= 0 && lost > free, warned.join('\n'));
      assert.deepEqual(fs.readdirSync(mnt), ['filler'], 'no temporary file left');
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
