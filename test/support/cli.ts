/** Runs the built `portolan` CLI as a user would (plain Node, real files). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './require';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Builds the app once if the test command did not already (npm test builds first). */
export function ensureBuilt(): void {
  if (existsSync(resolve(REPO_ROOT, 'out/main/cli.js')) && existsSync(resolve(REPO_ROOT, 'out/renderer/index.html'))) return;
  const r = spawnSync(process.execPath, [resolve(REPO_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

export function portolan(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [resolve(REPO_ROOT, 'bin/portolan.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Parses tsv with a header line into objects keyed by column name. */
export function parseTsv(text: string): Array<Record<string, string>> {
  const [header, ...lines] = text.split('\n').filter((l) => l !== '');
  const cols = (header ?? '').split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i] ?? `col${i}`, v])));
}
