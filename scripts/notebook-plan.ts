/**
 * What `npm run notebooks` will do, said before it starts (run-notebooks.py calls this):
 *
 *   npx tsx scripts/notebook-plan.ts plan <scale> <notebook.ipynb>...      # prints the plan
 *   npx tsx scripts/notebook-plan.ts prepare <scale> <notebook.ipynb>...   # and fetches the missing datasets
 *   npx tsx scripts/notebook-plan.ts record <scale> <notebook.ipynb> <cache log> <seconds> <start ms>
 *
 * `record` (after a notebook ran in place) keeps, per scale, the results entries the notebook used
 * (DNI_CACHE_LOG), with each run's steps, ms/step and dataset, in results/notebooks/<scale>.json
 * (under DNI_RESULTS_DIR when that is set).
 * `plan` reads that record back: per notebook, which runs are cached and which will be computed
 * (with the time their last computation took), the time a cached re-execution took, and the
 * datasets that will be downloaded first, with their sizes. A run whose numerics fingerprint no
 * longer matches is recomputed too; that is only known once the notebook runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARCHIVES, type DownloadName } from '../lib/data/archives';
import { ensureDataset, missingFiles } from '../lib/data/fetch';
import { dataDir } from '../lib/data/paths';
import { manifestFile, readManifest, type RunRecord, runSeconds } from './run-record';

const ROOT = path.resolve(__dirname, '..');
// The results folder the notebooks' runs are cached in (DNI_RESULTS_DIR moves it, as for the cache).
const RESULTS = path.resolve(process.env.DNI_RESULTS_DIR || path.join(ROOT, 'results'));

/** A results entry's steps, ms/step, dataset and creation time. */
function describeEntry(file: string): RunRecord & { createdAt: number } {
  type Json = Record<string, unknown>;
  const e = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    config: Json & { run?: Json };
    result: Json & { final?: Json };
    createdAt: string;
  };
  const cfg = e.config;
  const dataset = typeof cfg.dataset === 'string' && cfg.dataset.startsWith('cifar10') ? 'cifar10' : cfg.task === 'ptb-char' ? 'ptb' : null;
  // A wall-clock run (notebook 15) ends at a budget of seconds: its result says how many steps it made.
  const steps = Number(e.result?.final?.step ?? e.result?.steps ?? cfg.run?.steps ?? cfg.steps ?? 0);
  const ms = Number(e.result?.msPerStep);
  const wall = Number(e.result?.final?.seconds);
  return {
    entry: path.basename(file),
    steps,
    msPerStep: Number.isFinite(ms) ? ms : null,
    seconds: Number.isFinite(wall) && wall > 0 ? wall : null,
    data: dataset,
    createdAt: Date.parse(e.createdAt),
  };
}

function record(scale: string, notebook: string, log: string, seconds: number, start: number): void {
  const used = fs.existsSync(log) ? [...new Set(fs.readFileSync(log, 'utf8').split('\n').filter(Boolean))] : [];
  let computed = 0;
  const runs = used
    .filter((f) => path.dirname(path.resolve(f)) === RESULTS && fs.existsSync(f))
    .map((f) => {
      const { createdAt, ...run } = describeEntry(f);
      if (createdAt >= start) computed += runSeconds(run) ?? 0;
      return run;
    });
  const manifest = readManifest(RESULTS, scale, 'notebook-plan');
  manifest[path.basename(notebook)] = {
    executedAt: new Date().toISOString(),
    cachedSeconds: Math.round(Math.max(seconds - computed, 1)),
    runs,
  };
  const sorted = Object.fromEntries(
    Object.keys(manifest)
      .sort()
      .map((k) => [k, manifest[k]]),
  );
  const file = manifestFile(RESULTS, scale);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(sorted, null, 1)}\n`);
  fs.renameSync(tmp, file);
}

function duration(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Prints the plan; returns the datasets the recorded runs read that are not in the data folder. */
function plan(scale: string, notebooks: string[]): DownloadName[] {
  const manifest = readManifest(RESULTS, scale, 'notebook-plan');
  const off = (process.env.DNI_CACHE ?? '').toLowerCase() === 'off';
  const needs = new Map<DownloadName, string[]>();
  let total = 0;
  let unknown = 0;
  const lines: string[] = [];
  for (const nb of notebooks) {
    const name = path.basename(nb);
    const short = name.replace(/\.ipynb$/, '');
    const rec = manifest[name];
    if (rec === undefined) {
      unknown++;
      lines.push(`  ${short}: no record of an execution at DNI_SCALE=${scale}; its runs will be computed where not cached (no estimate)`);
      continue;
    }
    let cached = 0;
    let compute = 0;
    let noTime = 0;
    for (const r of rec.runs) {
      const seconds = runSeconds(r);
      if (!off && fs.existsSync(path.join(RESULTS, r.entry))) cached++;
      else if (seconds !== null) compute += seconds;
      else noTime++;
      if (r.data !== null) needs.set(r.data, [...(needs.get(r.data) ?? []), short.slice(0, 2)]);
    }
    const toRun = rec.runs.length - cached;
    const estimate = rec.cachedSeconds + compute;
    total += estimate;
    const runs =
      rec.runs.length === 0
        ? 'no cached runs'
        : toRun === 0
          ? `${cached} run(s) cached`
          : `${cached} of ${rec.runs.length} run(s) cached, ${toRun} to compute${noTime ? ` (${noTime} without a recorded time)` : ''}`;
    lines.push(`  ${short}: ${runs}; about ${duration(estimate)}`);
  }
  console.log(`plan: ${notebooks.length} notebook(s) at DNI_SCALE=${scale}${off ? ' with DNI_CACHE=off (every run recomputed)' : ''}`);
  for (const l of lines) console.log(l);
  const root = dataDir();
  const missing = [...needs.keys()].filter((name) => missingFiles(name, root).length > 0).sort();
  for (const name of missing) {
    const a = ARCHIVES[name];
    console.log(
      `  download first: ${a.label} (${(a.bytes / 1e6).toFixed(0)} MB, read by ${[...new Set(needs.get(name))].join(', ')}) into ${root}`,
    );
  }
  if (unknown === notebooks.length) console.log(`  estimated time: unknown (no notebook has a record at DNI_SCALE=${scale})`);
  else {
    const tail = unknown > 0 ? `, plus ${unknown} notebook(s) without a record` : '';
    console.log(
      `  estimated time: about ${duration(total)} from the recorded runs (their training and evaluations; a final test pass adds some)${tail} (runs added since the record, or whose numerics changed, are computed too)`,
    );
  }
  return missing;
}

async function main(): Promise<void> {
  const [cmd, scale, ...rest] = process.argv.slice(2);
  if ((cmd === 'plan' || cmd === 'prepare') && scale) {
    const missing = plan(scale, rest);
    // prepare: fetch those datasets now, in the terminal, rather than inside a notebook's cell.
    if (cmd === 'prepare') for (const name of missing) await ensureDataset(name);
  } else if (cmd === 'record' && rest.length === 4) record(scale, rest[0], rest[1], Number(rest[2]), Number(rest[3]));
  else {
    console.error(
      'usage: notebook-plan.ts plan|prepare <scale> <notebook>... | record <scale> <notebook> <cache log> <seconds> <start ms>',
    );
    process.exit(2);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
