/**
 * Lists (or deletes) the results/ entries no notebook uses: run the notebooks with
 * DNI_CACHE_LOG=<log> (every entry a run reuses or stores is appended to it), then
 *
 *   npx tsx scripts/prune-results.ts <log>            # lists the unused entries
 *   npx tsx scripts/prune-results.ts <log> --delete   # and deletes them
 *
 * Only meaningful after executing every notebook at the cpu scale with the same log. Temporary
 * files of processes that died between writing an entry and renaming it into place are listed
 * too (and deleted with --delete; the cache also removes them when it next opens the folder).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { staleTemporaryFiles } from '../lib/experiments/cache-files';

const [log, flag] = process.argv.slice(2);
if (!log || !fs.existsSync(log)) {
  console.error(`prune-results: give the DNI_CACHE_LOG file written while every notebook ran (got ${JSON.stringify(log)})`);
  process.exit(2);
}
const used = new Set(
  fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((f) => path.resolve(f)),
);
const dir = path.resolve(process.env.DNI_RESULTS_DIR || path.join(__dirname, '..', 'results'));
for (const f of staleTemporaryFiles(dir)) {
  console.log(`${flag === '--delete' ? 'deleting' : 'stale temporary file'}: ${path.relative(process.cwd(), f)}`);
  if (flag === '--delete') fs.rmSync(f, { force: true });
}
const unused = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !used.has(path.join(dir, f)));
for (const f of unused) {
  console.log(`${flag === '--delete' ? 'deleting' : 'unused'}: results/${f}`);
  if (flag === '--delete') fs.rmSync(path.join(dir, f));
}
console.log(
  `${unused.length} of ${fs.readdirSync(dir).length + (flag === '--delete' ? unused.length : 0)} entries unused (${used.size} used)`,
);
