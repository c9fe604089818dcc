/**
 * Where the database lives by default: the app's user-data folder, the same one
 * Electron's `app.getPath('userData')` gives for the product name "Portolan", so the app
 * and the CLI share one inventory. `--db PATH` or `PORTOLAN_DB` override it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'Portolan';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', PRODUCT_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME);
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PORTOLAN_DB || join(userDataDir(env), 'portolan.db');
}
