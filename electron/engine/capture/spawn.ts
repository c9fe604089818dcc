/**
 * Starting the capture child (child.ts, built to out/main/capture-child.js). Plain
 * `fork`, run by the capture helper (helper.ts): the one executable with capture rights,
 * never the runtime of the UI unless that is all there is (root, macOS, Windows). An
 * Electron helper runs the script as Node (ELECTRON_RUN_AS_NODE; a plain Node ignores
 * it), outside the window processes; a fault there is an exit code here, never a crash
 * of the app.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CaptureError, libpcapFix } from './errors';
import { helperRights, resolveHelper, type CaptureHelper } from './helper';
import type { ChildRequest } from './protocol';

const FILE = 'capture-child.js';

/**
 * Where the built child is: beside the bundle that runs (out/main), or, from sources
 * (tests), in out/main of the repository. PORTOLAN_CAPTURE_CHILD overrides both.
 */
export function childPath(): string {
  const env = process.env.PORTOLAN_CAPTURE_CHILD;
  if (env) return env;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    for (const c of [join(dir, FILE), join(dir, 'out', 'main', FILE)]) if (existsSync(c)) return c;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new CaptureError({ code: 'no-libpcap', message: `the capture helper ${FILE} is missing from this build`, fix: `build the app (npm run build); ${libpcapFix()}` });
}

/**
 * Forks the child under the capture helper. A capture is refused before anything runs
 * when the helper certainly lacks the rights (CaptureError `no-permission`, with the
 * command that grants them); listing still runs, since libpcap lists without rights.
 */
export function spawnChild(req: ChildRequest, path = childPath(), helper: CaptureHelper = resolveHelper()): ChildProcess {
  if (req.op === 'capture') {
    const rights = helperRights(helper);
    if (rights.ok === false) throw new CaptureError(rights.problem);
  }
  return fork(path, [JSON.stringify(req)], {
    execPath: helper.path,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    // The child handles SIGINT itself (Ctrl-C reaches the whole process group): it stops cleanly.
    detached: false,
  });
}

/** Keeps the last `max` characters of a child's stderr, for error messages. */
export function tail(child: ChildProcess, max = 2000): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    text = (text + d).slice(-max);
  });
  return () => text.trim();
}
