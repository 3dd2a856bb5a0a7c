/**
 * Keeps a notebook's view of the library fresh.
 *
 * tslab compiles notebook cells with rootDir = the notebook's folder, so notebooks import the
 * compiled library (`../dist/lib/...`, .js + .d.ts) rather than lib/*.ts. A notebook's first
 * cell calls `rebuild()`:
 *   1. if any lib/**\/*.ts is newer than its dist/lib/**\/*.js (or that is missing), it runs the
 *      project build (`tsc -p tsconfig.json`); type errors are printed as a warning (tsc writes
 *      dist/ anyway; `strict: true` throws instead — scripts/run-notebooks.py always fails);
 *   2. it drops every dist/ module from node's require cache, so the next `import` cell
 *      (re-)loads the fresh code. Module state is reset with it (tfjs, in node_modules, is not).
 *
 *   // first cell
 *   import { rebuild } from '../dist/lib/notebook/rebuild';
 *   rebuild();
 *   // second cell
 *   import * as dni from '../dist/lib/index';
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../core/root';

export interface RebuildResult {
  /** Whether tsc ran. */
  compiled: boolean;
  /** lib/ sources newer than their compiled output (relative paths). */
  stale: string[];
  /** Number of dist/ modules dropped from the require cache. */
  reloaded: number;
  seconds: number;
}

export interface RebuildOptions {
  /** Compile even if nothing looks stale. */
  force?: boolean;
  /** No summary line. */
  quiet?: boolean;
  /** Throw on type errors (default: warn; tsc still writes dist/ despite type errors). */
  strict?: boolean;
}

/** lib/ sources whose dist/lib/*.js is missing or older. */
export function staleSources(root: string = projectRoot()): string[] {
  const stale: string[] = [];
  const walk = (rel: string) => {
    const dir = path.join(root, rel);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const out = path.join(root, 'dist', r.replace(/\.ts$/, '.js'));
        const src = fs.statSync(path.join(root, r)).mtimeMs;
        let built = -Infinity;
        try {
          built = fs.statSync(out).mtimeMs;
        } catch {
          // missing output: stale
        }
        if (src > built) stale.push(r);
      }
    }
  };
  if (fs.existsSync(path.join(root, 'lib'))) walk('lib');
  return stale;
}

/** Drops dist/ modules from the require cache; returns how many. */
export function unloadDist(root: string = projectRoot()): number {
  const dist = path.join(root, 'dist') + path.sep;
  let n = 0;
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(dist)) {
      delete require.cache[file];
      n++;
    }
  }
  return n;
}

/**
 * Compiles lib/ if it changed since the last build and makes the next import reload it; prints
 * one line. Throws (with the compiler's output) if the build fails. Returns nothing, so that a
 * cell ending with `rebuild();` prints only that line; `rebuildLibrary()` returns the details.
 */
export function rebuild(opts: RebuildOptions = {}): void {
  rebuildLibrary(opts);
}

/** rebuild(), returning what it did. */
export function rebuildLibrary(opts: RebuildOptions = {}): RebuildResult {
  const t0 = Date.now();
  const root = projectRoot();
  const stale = staleSources(root);
  let compiled = false;
  if (opts.force || stale.length > 0) {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // Incremental (build info in dist/): after a one-file edit this takes about half the time of
    // a full build. tsc's incremental mode does not notice deleted outputs, so a missing output
    // forces a full build.
    const missing = stale.some((r) => !fs.existsSync(path.join(root, 'dist', r.replace(/\.ts$/, '.js'))));
    const args = [
      tsc,
      '-p',
      'tsconfig.json',
      ...(missing ? [] : ['--incremental', '--tsBuildInfoFile', path.join('dist', '.tsbuildinfo')]),
    ];
    try {
      execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message;
      const emitted = staleSources(root).length === 0;
      if (opts.strict || !emitted) throw new Error(`rebuild: the library build (tsc -p tsconfig.json) failed:\n${out}`);
      const lines = out.split('\n');
      const head = lines.slice(0, 30).join('\n') + (lines.length > 30 ? `\n... (${lines.length - 30} more lines)` : '');
      console.warn(`rebuild: tsc reported errors; dist/ was written anyway and is used:\n${head}`);
    }
    compiled = true;
  }
  const reloaded = unloadDist(root);
  const seconds = (Date.now() - t0) / 1000;
  // Silent when nothing changed: a re-executed notebook should not open with noise.
  if (!opts.quiet && compiled) {
    console.log(
      `rebuild: compiled lib/ (${stale.length} changed file${stale.length === 1 ? '' : 's'}) in ${seconds.toFixed(1)} s; the next import loads it fresh`,
    );
  }
  return { compiled, stale, reloaded, seconds };
}
