/**
 * `portolan capture --interface IF [--duration S] [--protocols LIST] [--ignore LIST]
 *   [--profile NAME] [--save-profile NAME] [--db PATH] [--json]`
 * `portolan capture --list` · `portolan capture --profiles` · `portolan capture --bpf ...`
 *
 * A live capture job: frames from libpcap (in a child process) go through the same
 * decoder and flow table as files. Progress on stderr when it is a terminal; Ctrl-C or
 * SIGTERM stops the capture and stores everything seen (exit 0). A missing libpcap or
 * missing privileges: one line saying what and how to fix it, exit 1.
 */
import { parseIgnore, parseProtocols, splitList, type CaptureSelectionInput } from '../../../shared/capture';
import type { JobSnapshot } from '../../../shared/model';
import { listInterfaces } from '../../capture/interfaces';
import { Engine } from '../../engine';
import { compileBpf } from '../../filters/compile';
import { describeSelection, resolveSelection, SelectionError } from '../../filters/selection';
import { dbPath, parseCommandLine, UsageError } from '../common';

const count = (n: unknown, one: string): string => `${String(n)} ${one}${n === 1 ? '' : 's'}`;
export const CAPTURE_HELP = `  portolan capture --interface IF [--duration S] [--protocols LIST] [--ignore LIST]
                   [--profile NAME] [--save-profile NAME] [--db PATH] [--json]
      Capture live traffic (libpcap) until --duration ends or Ctrl-C; store flows and
      the listening services they reveal. LIST: comma-separated; protocols are tcp, udp
      and app names (http, tls, dns, ssh, ...); ignore takes addresses, subnets, ports
      and port ranges. --list shows interfaces, --profiles saved profiles, --bpf the
      kernel filter a choice compiles to.`;

/** Reads --protocols and --ignore (repeatable, comma- or space-separated) into a selection. */
export function selectionFromFlags(protocols: string[] | undefined, ignore: string[] | undefined): CaptureSelectionInput | undefined {
  if (!protocols?.length && !ignore?.length) return undefined;
  const p = parseProtocols((protocols ?? []).join(','));
  if (p.unknown.length) throw new UsageError(`unknown protocol(s): ${p.unknown.join(', ')} (use tcp, udp or app names such as http, tls, dns, ssh)`);
  const entries = splitList((ignore ?? []).join(','));
  const bad = entries.filter((e) => !parseIgnore(e));
  if (bad.length) throw new UsageError(`--ignore takes addresses, subnets, ports or port ranges; not: ${bad.join(', ')}`);
  return { transports: p.transports, apps: p.apps, ignore: entries };
}

function checkSelection(sel: CaptureSelectionInput | undefined): void {
  try {
    resolveSelection(sel);
  } catch (err) {
    if (err instanceof SelectionError) throw new UsageError(err.message);
    throw err;
  }
}

export async function cmdCapture(args: string[]): Promise<number> {
  const { values } = parseCommandLine({
    args,
    options: {
      interface: { type: 'string', short: 'i' },
      duration: { type: 'string', short: 'd' },
      protocols: { type: 'string', short: 'p', multiple: true },
      ignore: { type: 'string', multiple: true },
      profile: { type: 'string' },
      'save-profile': { type: 'string' },
      list: { type: 'boolean' },
      profiles: { type: 'boolean' },
      bpf: { type: 'boolean' },
      db: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const selection = selectionFromFlags(values.protocols, values.ignore);
  checkSelection(selection);

  if (values.list) {
    const r = await listInterfaces({ probe: values.interface });
    if (values.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else {
      for (const i of r.interfaces) process.stdout.write(`${i.name}\t${i.addresses.join(',')}${i.loopback ? '\tloopback' : ''}${i.description ? `\t${i.description}` : ''}\n`);
      if (r.problem) process.stderr.write(`portolan: error: ${r.problem.message}\nportolan: fix: ${r.problem.fix}\n`);
    }
    return r.ok ? 0 : 1;
  }
  if (values.bpf) {
    const r = resolveSelection(selection);
    process.stdout.write(`${compileBpf(r, { vlan: true })}\n`);
    process.stderr.write(`${describeSelection(r)}\n`);
    return 0;
  }
  let duration: number | undefined;
  if (values.duration !== undefined) {
    if (!/^\d+$/.test(values.duration) || Number(values.duration) < 1 || Number(values.duration) > 604800) throw new UsageError('--duration must be whole seconds from 1 to 604800');
    duration = Number(values.duration);
  }

  const engine = await Engine.open({ dbPath: dbPath(values.db) });
  try {
    if (values['save-profile']) {
      const p = await engine.handle('capture.profiles.save', { name: values['save-profile'], selection: selection ?? {} });
      process.stderr.write(`saved capture profile ${p.name}: ${describeSelection(resolveSelection(p.selection))}\n`);
      if (!values.interface) return 0;
    }
    if (values.profiles) {
      for (const p of await engine.handle('capture.profiles.list', {})) process.stdout.write(`${p.name}\t${describeSelection(resolveSelection(p.selection))}\n`);
      return 0;
    }
    if (!values.interface) throw new UsageError('capture needs --interface IF (see portolan capture --list)');
    let job: JobSnapshot;
    try {
      job = await engine.captures.start({ interface: values.interface, durationS: duration, selection, profile: values.profile });
    } catch (err) {
      const e = err as Error;
      // A refused value (ZodError) is turned into one line naming the flag by main.ts.
      if (e instanceof SelectionError) throw new UsageError(e.message);
      throw err;
    }
    const tty = process.stderr.isTTY && !values.json;
    let announced = false;
    const off = engine.on('job.updated', (j) => {
      if (j.id !== job.id || j.status !== 'running' || !j.progress) return;
      // The first progress comes once libpcap has opened the interface: say so, once.
      if (!announced) {
        announced = true;
        process.stderr.write(`portolan: capturing on ${values.interface}${duration ? ` for ${duration} s` : ''}; Ctrl-C stops and stores everything\n`);
      }
      if (tty && j.progress.message) process.stderr.write(`\r\x1b[K${j.progress.message}`);
    });
    let stops = 0;
    const onSignal = (): void => {
      if (++stops > 2) process.exit(130);
      engine.captures.stop(job.id);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const end = await engine.jobs.wait(job.id);
    off();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tty) process.stderr.write('\r\x1b[K');
    return report(end, !!values.json);
  } finally {
    await engine.close();
  }
}

function report(end: JobSnapshot, json: boolean): number {
  const r = (end.result ?? {}) as Record<string, number | string | unknown[]>;
  if (json) {
    process.stdout.write(JSON.stringify({ ...r, job: end.id, status: end.status, captureStatus: r.status ?? null, error: end.error, warnings: end.warnings }, null, 2) + '\n');
  } else if (end.result) {
    process.stdout.write(
      `live:${r.interface}: ${count(r.packets, 'packet')}, ${count(r.flows, 'flow')}, ${count(r.listeners, 'listening service')} (${r.added} new); dropped: kernel ${r.kernelDrops}, interface ${r.ifDrops}, portolan ${r.appDrops}${r.status === 'incomplete' ? ', INCOMPLETE' : ''}\n`,
    );
  }
  if (!json) for (const w of end.warnings) process.stderr.write(`portolan: warning: ${w}\n`);
  if (end.status === 'done') return 0;
  if (!json) {
    const msg = end.error?.message ?? end.status;
    const [what, fix] = msg.split(' — fix: ');
    process.stderr.write(`portolan: error: ${what}\n`);
    if (fix) process.stderr.write(`portolan: fix: ${fix}\n`);
  }
  return 1;
}
