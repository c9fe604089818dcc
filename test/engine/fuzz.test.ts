/**
 * A short fuzz run in the suite (the long one is `npm run fuzz`): mutated real captures
 * must each end in a result or a clear CaptureFormatError — no crash, no hang — and
 * every past finding in test/fixtures/fuzz stays fixed.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz, runInput, seedFiles } from '../../electron/engine/fuzz/run';
import { mutate, Rng } from '../../electron/engine/fuzz/mutate';
import { CAPTURES_DIR, hasSharedCaptures, REPO_ROOT, requireOrSkip } from '../support/require';

const ready = requireOrSkip(hasSharedCaptures(), `shared captures not found at ${CAPTURES_DIR}`);

describe('mutations', () => {
  it('are reproducible from the seed', () => {
    const base = Uint8Array.from({ length: 200 }, (_, i) => i);
    const a = mutate(base, new Rng(7));
    const b = mutate(base, new Rng(7));
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(a.applied).toEqual(b.applied);
  });
});

describe.skipIf(!ready)('decoder fuzzing (short run)', () => {
  it('3000 mutated captures: 0 crashes, 0 hangs', async () => {
    const stats = await fuzz({ count: 3000, seed: 20261203, seeds: seedFiles(CAPTURES_DIR), outDir: mkdtempSync(join(tmpdir(), 'portolan-fuzz-')), perInputMs: 2000 });
    expect(stats.findings).toEqual([]);
    expect(stats.crashes + stats.hangs).toBe(0);
    expect(stats.ok + stats.refused).toBe(3000);
    // The mutations must reach both outcomes, or the run proves little.
    expect(stats.ok).toBeGreaterThan(100);
    expect(stats.refused).toBeGreaterThan(10);
  }, 120_000);

  it('replays every past finding in test/fixtures/fuzz', async () => {
    const dir = resolve(REPO_ROOT, 'test/fixtures/fuzz');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.bin'))) {
      await expect(runInput(join(dir, f))).resolves.toMatch(/ok|refused/);
    }
  });
});
