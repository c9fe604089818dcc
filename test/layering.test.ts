/**
 * The layering of STYLE.md is a lint rule: this test feeds ESLint imports that break it
 * and checks each is refused, and that the allowed ones pass.
 */
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/require';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function restricted(file: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(code, { filePath: resolve(REPO_ROOT, file) });
  return (result?.messages ?? []).some((m) => m.ruleId === 'no-restricted-imports');
}

describe('layering lint rule', () => {
  it.each([
    ['electron/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['electron/engine/x.ts', "import { handle } from '../main/handle';\nexport const a = handle;\n"],
    ['electron/shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"],
    ['electron/shared/x.ts', "import { Engine } from '../engine/engine';\nexport const a = Engine;\n"],
    ['electron/preload/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n"],
    ['electron/preload/x.ts', "import { Engine } from '../engine/engine';\nexport const a = Engine;\n"],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n"],
    ['renderer/src/x.ts', "import { Engine } from '../../electron/engine/engine';\nexport const a = Engine;\n"],
    ['renderer/src/x.ts', "import { join } from 'node:path';\nexport const a = join;\n"],
  ])('refuses in %s: %s', async (file, code) => {
    expect(await restricted(file, code)).toBe(true);
  });

  it.each([
    ['renderer/src/x.ts', "import { ServiceRow } from '../../electron/shared/model';\nexport const a = ServiceRow;\n"],
    ['electron/engine/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"],
    ['electron/main/x.ts', "import { Engine } from '../engine/engine';\nexport const a = Engine;\n"],
    ['electron/preload/x.ts', "import { contextBridge } from 'electron';\nexport const a = contextBridge;\n"],
  ])('allows in %s: %s', async (file, code) => {
    expect(await restricted(file, code)).toBe(false);
  });
});
