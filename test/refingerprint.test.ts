/**
 * scripts/refingerprint-results.ts re-stamps every kind of entry (feed-forward, Copy, char-LM,
 * sufficiency, wall-clock),
 * reports each on its own line, and leaves a bad entry alone without stopping or leaving files.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { storeEntry } from '../lib/experiments/cache';
import { fingerprintMismatch } from '../lib/experiments/fingerprint';
import { dataDir } from '../lib/data/paths';

const ENTRIES = {
  'feed-forward': 'table2-cpu-mnistFcn-3-nobprop-a3bf2ecfc56ad91a.json',
  Copy: 'copy-cpu-copy-bptt-T2-s0-c532254d7eeb99da.json',
  'char-LM': 'ptb-cpu-bptt-T2-s0-04404d43e8c8e803.json',
  sufficiency: '13-cpu-cdni-s1-1f377031616fab5d.json',
  'wall-clock': '15-cpu-cdni-1w-s1-a9c9f9c0ff65f7ba.json',
};

describe('refingerprint-results', () => {
  it('re-stamps feed-forward, Copy, char-LM, sufficiency and wall-clock entries whose probe changed, reporting each; a broken entry is left alone', function () {
    if (!fs.existsSync(path.join(dataDir(), 'ptb', 'ptb.char.test.txt'))) {
      console.log(`    skipped: no ${path.join(dataDir(), 'ptb')}; set DNI_DATA_DIR to the folder that holds ptb/`);
      return this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-refingerprint-'));
    try {
      const original: Record<string, { fingerprint: { probe: number[] }; result: unknown; createdAt: string }> = {};
      for (const f of Object.values(ENTRIES)) {
        const e = JSON.parse(fs.readFileSync(path.join('results', f), 'utf8'));
        original[f] = e;
        // As if the probe had changed: every number 10% off, stored with a valid checksum.
        storeEntry(
          path.join(dir, f),
          e.config,
          { ...e.fingerprint, probe: e.fingerprint.probe.map((v: number) => v * 1.1 + 0.01) },
          e.result,
          e.createdAt,
        );
      }
      fs.writeFileSync(path.join(dir, 'zz-broken-0000000000000000.json'), '{"config": {"what": 1}');
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/refingerprint-results.ts', '--probe-changed'], {
        env: { ...process.env, DNI_RESULTS_DIR: dir },
        encoding: 'utf8',
      });
      const out = r.stdout + r.stderr;
      for (const [kind, f] of Object.entries(ENTRIES)) {
        assert.match(out, new RegExp(`${f}: ${kind}, re-stamped \\(`), out);
        const now = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
        assert.equal(fingerprintMismatch(original[f].fingerprint as never, now.fingerprint), null, `${f}: the committed fingerprint again`);
        assert.deepEqual([now.result, now.createdAt], [original[f].result, original[f].createdAt]);
      }
      assert.match(out, /zz-broken-0000000000000000.json: left alone: /);
      assert.match(out, /6 entries: 5 re-stamped, 0 unchanged, 1 left alone/);
      assert.equal(r.status, 1);
      assert.deepEqual(
        fs.readdirSync(dir).sort(),
        [...Object.values(ENTRIES), 'zz-broken-0000000000000000.json'].sort(),
        'no temporary file left',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
