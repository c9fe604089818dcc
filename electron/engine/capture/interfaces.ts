/**
 * Interfaces live capture can use, asked of the capture child (so a broken libpcap
 * cannot take the caller down), with a clear problem and fix when capture cannot run.
 * The capture helper's rights are checked first (helper.ts): when it certainly lacks
 * them, that problem, with the command that grants them, is the answer, whatever the
 * listing finds (libpcap lists interfaces without any rights).
 */
import type { CaptureInterfaces } from '../../shared/capture';
import { CaptureError, classify } from './errors';
import type { ChildReply } from './protocol';
import { helperInfo, helperRights, resolveHelper } from './helper';
import { spawnChild, tail } from './spawn';

export async function listInterfaces(opts: { probe?: string; timeoutMs?: number } = {}): Promise<CaptureInterfaces> {
  const helper = resolveHelper();
  const rights = helperRights(helper);
  const r = await ask(opts);
  const withHelper = { ...r, helper: helperInfo(helper, rights) };
  if (rights.ok === false) return { ...withHelper, ok: false, problem: rights.problem };
  return withHelper;
}

async function ask(opts: { probe?: string; timeoutMs?: number }): Promise<CaptureInterfaces> {
  let child;
  try {
    child = spawnChild({ op: 'list', probe: opts.probe ?? null });
  } catch (err) {
    const problem = err instanceof CaptureError ? err.problem : classify('spawn', (err as Error).message);
    return { ok: false, libpcap: null, problem, interfaces: [] };
  }
  const stderr = tail(child);
  const reply = await new Promise<ChildReply | { t: 'exit'; code: number | null; signal: string | null }>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ t: 'error', stage: 'list', message: 'the capture helper did not answer within 10 s' });
    }, opts.timeoutMs ?? 10_000);
    child.on('message', (m: ChildReply) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ t: 'error', stage: 'load', message: err.message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ t: 'exit', code, signal });
    });
  });
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (reply.t === 'exit') {
    const why = reply.signal ? `the capture helper died (${reply.signal})` : `the capture helper exited with code ${reply.code}`;
    return { ok: false, libpcap: null, problem: classify('load', `${why}${stderr() ? `: ${stderr()}` : ''}`), interfaces: [] };
  }
  if (reply.t === 'error') return { ok: false, libpcap: null, problem: classify(reply.stage, reply.message), interfaces: [] };
  if (reply.t !== 'devices') return { ok: false, libpcap: null, problem: classify('list', `unexpected reply ${reply.t}`), interfaces: [] };
  const interfaces = reply.devices.map((d) => ({ name: d.name, description: d.description, addresses: d.addresses, loopback: d.loopback }));
  if (reply.probeError) {
    return { ok: false, libpcap: reply.libpcap, problem: classify('open', reply.probeError, opts.probe), interfaces };
  }
  if (!interfaces.length) {
    return { ok: false, libpcap: reply.libpcap, problem: { code: 'no-interface', message: 'libpcap found no interface to capture on', fix: 'check that the network interfaces are up, and that Portolan may see them' }, interfaces };
  }
  return { ok: true, libpcap: reply.libpcap, problem: null, interfaces };
}
