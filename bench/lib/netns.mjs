// Throwaway network namespaces for benchmarks. Every name is `<prefix>-<pid>-<id>-<role>`:
// the creating process's id is in it, so a sweep of stale namespaces (left by a run that
// was killed with SIGKILL) never removes one a benchmark or test running alongside still
// uses. Addresses inside them come from the documentation ranges only.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sh } from './sys.mjs';

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function kill9(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Processes running inside a namespace (`ip netns pids`). */
export function nsPids(ns) {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean).map(Number);
}

export class BenchNet {
  /** @param {string} prefix e.g. `portolan-load` */
  constructor(prefix) {
    this.prefix = prefix;
    this.id = randomBytes(2).toString('hex');
    this.names = [];
  }

  /** Removes `<prefix>-<pid>-…` namespaces whose creator is dead, and what still runs in them. */
  static sweepStale(prefix) {
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of list.split('\n')) {
      const name = line.split(' ')[0];
      if (!name?.startsWith(`${prefix}-`)) continue;
      const pid = Number(name.slice(prefix.length + 1).split('-')[0]);
      if (!Number.isInteger(pid) || alive(pid)) continue;
      for (const p of nsPids(name)) kill9(p);
      spawnSync('ip', ['netns', 'del', name]);
    }
  }

  /** Creates a namespace for `role` with its loopback up; returns its name. */
  add(role) {
    const name = `${this.prefix}-${process.pid}-${this.id}-${role}`;
    sh('ip', 'netns', 'add', name);
    this.names.push(name);
    sh('ip', '-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /**
   * A veth pair between two namespaces, both ends up; `addrA`/`addrB` (CIDR) optional.
   * Interface names are at most 15 characters: `p<pid-ish><id><tag>`.
   */
  veth(tag, nsA, nsB, addrA, addrB) {
    const base = `p${(process.pid % 100000).toString(36)}${this.id}${tag}`;
    const a = `${base}a`;
    const b = `${base}b`;
    sh('ip', 'link', 'add', a, 'netns', nsA, 'type', 'veth', 'peer', 'name', b, 'netns', nsB);
    if (addrA) sh('ip', '-n', nsA, 'addr', 'add', addrA, 'dev', a);
    if (addrB) sh('ip', '-n', nsB, 'addr', 'add', addrB, 'dev', b);
    sh('ip', '-n', nsA, 'link', 'set', a, 'up');
    sh('ip', '-n', nsB, 'link', 'set', b, 'up');
    return { a, b };
  }

  /**
   * Ends whatever still runs inside our namespaces (only processes this benchmark started
   * can be in them) and deletes them. Safe to call twice, and from an exit handler.
   */
  destroy() {
    for (const ns of this.names) for (const p of nsPids(ns)) kill9(p);
    for (const ns of this.names) spawnSync('ip', ['netns', 'del', ns]);
    this.names = [];
  }
}
