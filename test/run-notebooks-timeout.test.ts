/** scripts/run-notebooks.py --timeout takes any number of seconds (nbclient wants an int: 300 was parsed as 300.0 and refused). */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

describe('scripts/run-notebooks.py --timeout', function () {
  this.timeout(10 * 60_000);

  it('runs a notebook with --timeout 300 and with --timeout 2.5', function () {
    if (['python3', '/usr/bin/python3'].every((py) => spawnSync(py, ['-c', 'import nbclient, nbformat']).status !== 0)) {
      console.log('    skipped: python3 has no nbclient (bash environment/setup-debian.sh)');
      return this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-nbtimeout-'));
    try {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      const nb = {
        cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: "console.log('timed')" }],
        metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (tslab)', language: 'typescript' } },
        nbformat: 4,
        nbformat_minor: 4,
      };
      for (const t of ['300', '2.5']) {
        const file = path.join(dir, `t${t}.ipynb`);
        fs.writeFileSync(file, JSON.stringify(nb));
        const r = spawnSync('python3', ['scripts/run-notebooks.py', '--no-build', '--scale', 'smoke', '--timeout', t, file], {
          cwd: ROOT,
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, `--timeout ${t}:\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, new RegExp(`per-cell timeout: ${t === '2.5' ? 3 : 300} s`));
        assert.match(fs.readFileSync(file, 'utf8'), /timed/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
