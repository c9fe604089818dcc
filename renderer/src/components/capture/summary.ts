/**
 * A finished capture or import job's result in words, for people: the engine's result
 * record (`captureId`, `kernelDrops`, `filteredOut`, `answering`…) is an internal shape.
 * Each line is a label and a sentence; lines that would say nothing (no filter, no
 * protocol choice, no host answering everything) are left out.
 */
import type { JobSnapshot } from '../../../../electron/shared';
import { formatBytes, formatCount, plural } from '../../lib/format';

export interface SummaryLine {
  key: string;
  label: string;
  text: string;
  /** Shown as code (the kernel filter). */
  code?: boolean;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}

/** "capture 7", the name the inventory's sources use (`capture:7`). */
export function captureName(id: number): string {
  return `capture ${id}`;
}

/** "1 second", "4 seconds", "2 minutes 5 seconds", "1 hour 3 minutes". */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return plural(s, 'second');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h) return m ? `${plural(h, 'hour')} ${plural(m, 'minute')}` : plural(h, 'hour');
  return rest ? `${plural(m, 'minute')} ${plural(rest, 'second')}` : plural(m, 'minute');
}

/** How long a job ran: from its start and end times, else the capture's own second counter. */
export function jobSeconds(job: JobSnapshot): number | null {
  if (job.endedAt) {
    const ms = Date.parse(job.endedAt) - Date.parse(job.startedAt);
    if (Number.isFinite(ms) && ms >= 0) return ms / 1000;
  }
  return num(job.progress?.counters?.seconds);
}

/** Packets per second over the whole capture (`null` when its length is unknown). */
export function averageRate(packets: number, seconds: number | null): number | null {
  if (seconds === null) return null;
  return packets / Math.max(1, seconds);
}

/** Drops in words: "no packets dropped", or how many and where. */
export function dropsText(kernel: number, iface: number, app: number): string {
  const total = kernel + iface + app;
  if (total === 0) return 'no packets dropped';
  const where = [
    kernel ? `${formatCount(kernel)} by the kernel's capture ring (the capture could not keep up)` : '',
    iface ? `${formatCount(iface)} by the network interface` : '',
    app ? `${formatCount(app)} by Portolan's own queue (decoding fell behind)` : '',
  ].filter(Boolean);
  return `${plural(total, 'packet')} dropped: ${where.join(', ')}`;
}

interface Answering {
  host: string;
  probedPorts: number;
  answeredPorts: number;
  collapsedPorts: number;
}

function answeringOf(v: unknown): Answering[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((a: unknown) => {
    if (!a || typeof a !== 'object') return [];
    const r = a as Record<string, unknown>;
    const host = str(r.host);
    const probed = num(r.probedPorts);
    const answered = num(r.answeredPorts);
    if (!host || probed === null || answered === null) return [];
    return [{ host, probedPorts: probed, answeredPorts: answered, collapsedPorts: num(r.collapsedPorts) ?? 0 }];
  });
}

/** The engine's warning about a host answering everything (said by the summary instead). */
export const ANSWERING_WARNING = /answered SYN-ACK on \d+ of \d+ probed TCP ports/;

/** A finished live capture, line by line (empty until the job has a result). */
export function captureSummary(job: JobSnapshot): SummaryLine[] {
  const r = job.result;
  if (!r) return [];
  const c = job.progress?.counters ?? {};
  const out: SummaryLine[] = [];
  const id = num(r.captureId);
  const iface = str(r.interface);
  if (id !== null) out.push({ key: 'capture', label: 'Stored as', text: `${captureName(id)}${iface ? `, on ${iface}` : ''}` });
  const seconds = jobSeconds(job);
  if (seconds !== null) out.push({ key: 'duration', label: 'Duration', text: durationText(seconds) });
  const packets = num(r.packets) ?? num(c.packets) ?? 0;
  const bytes = num(r.bytes) ?? num(c.bytes);
  out.push({ key: 'packets', label: 'Packets', text: `${plural(packets, 'packet')}${bytes !== null ? ` (${formatBytes(bytes)})` : ''}` });
  out.push({ key: 'flows', label: 'Flows', text: plural(num(r.flows) ?? num(c.flows) ?? 0, 'flow') });
  const listeners = num(r.listeners);
  const added = num(r.added) ?? num(c.newServices) ?? 0;
  out.push({
    key: 'services',
    label: 'Listening services',
    text: listeners !== null ? `${plural(listeners, 'listening service')} found, ${formatCount(added)} new` : `${formatCount(added)} new`,
  });
  const bpf = str(r.bpf);
  const filteredOut = num(r.filteredOut) ?? 0;
  if (bpf || filteredOut > 0) {
    out.push({ key: 'filteredOut', label: 'Outside the protocol choice', text: `${plural(filteredOut, 'packet')} left out` });
  }
  out.push({ key: 'drops', label: 'Dropped', text: dropsText(num(r.kernelDrops) ?? 0, num(r.ifDrops) ?? 0, num(r.appDrops) ?? 0) });
  if (bpf) out.push({ key: 'filter', label: 'Kernel filter', text: bpf, code: true });
  const answering = answeringOf(r.answering);
  if (answering.length) {
    out.push({
      key: 'answering',
      label: 'Answered SYN-ACK on most probed ports',
      text: `${answering
        .map((a) => `${a.host} (${formatCount(a.answeredPorts)} of ${plural(a.probedPorts, 'probed port')})`)
        .join(', ')}: a SYN proxy or tarpit, most likely; ${plural(answering.reduce((n, a) => n + a.collapsedPorts, 0), 'bare handshake')} not listed as services`,
    });
  }
  if (r.status === 'incomplete') out.push({ key: 'incomplete', label: 'Incomplete', text: 'the capture process ended unexpectedly; what arrived was kept' });
  return out;
}

export interface FileLine {
  name: string;
  status: 'complete' | 'skipped' | 'incomplete' | 'failed';
  text: string;
}

/** A path as the file's name (uploads are stored as "upload: <name>"). */
export function fileName(path: string): string {
  return path.replace(/^upload: /, '').split(/[\\/]/).pop() || path;
}

function filesOf(job: JobSnapshot): Array<Record<string, unknown>> {
  const files = job.result?.files;
  if (!Array.isArray(files)) return [];
  return (files as unknown[]).filter(
    (f): f is Record<string, unknown> => !!f && typeof f === 'object' && typeof (f as Record<string, unknown>).path === 'string' && typeof (f as Record<string, unknown>).status === 'string',
  );
}

/** An import's files, one line each in words: capture, packets, flows, services (new). */
export function ingestFiles(job: JobSnapshot): FileLine[] {
  return filesOf(job).map((f) => {
    const path = f.path as string;
    const status = f.status as FileLine['status'];
    const id = num(f.captureId);
    const warnings = Array.isArray(f.warnings) ? (f.warnings as unknown[]).filter((w): w is string => typeof w === 'string') : [];
    let text: string;
    if (status === 'failed') text = String(f.error ?? 'could not be read').split(`${path}: `).join('').split(path).join(fileName(path));
    else if (status === 'skipped') text = id !== null ? `already imported as ${captureName(id)}; skipped` : (warnings[0] ?? 'skipped');
    else {
      const filtered = num(f.filteredOut);
      text = [
        id !== null ? `${captureName(id)}: ` : '',
        `${plural(num(f.packets) ?? 0, 'packet')}, ${plural(num(f.flows) ?? 0, 'flow')}, `,
        `${plural(num(f.listeners) ?? 0, 'listening service')} (${formatCount(num(f.added) ?? 0)} new)`,
        filtered !== null ? `, ${plural(filtered, 'packet')} outside the protocol choice` : '',
        status === 'incomplete' ? ' — incomplete: the file ends early' : '',
      ].join('');
    }
    return { name: fileName(path), status, text };
  });
}

/**
 * The headline of an import where some files could not be read and others could: what
 * happened to each kind, by count ("1 file could not be read; 1 was already imported and
 * skipped"), never "the others were stored" when they were skipped.
 */
export function partlyLine(files: readonly FileLine[]): string {
  const n = (st: FileLine['status']) => files.filter((f) => f.status === st).length;
  const failed = n('failed');
  const parts = [`${plural(failed, 'file')} could not be read`];
  const stored = n('complete');
  const incomplete = n('incomplete');
  const skipped = n('skipped');
  if (stored) parts.push(`${formatCount(stored)} ${stored === 1 ? 'was' : 'were'} stored`);
  if (incomplete) parts.push(`${formatCount(incomplete)} ${incomplete === 1 ? 'was' : 'were'} stored up to where ${incomplete === 1 ? 'it ends' : 'they end'} early`);
  if (skipped) parts.push(`${formatCount(skipped)} ${skipped === 1 ? 'was' : 'were'} already imported and skipped`);
  return `${parts.join('; ')} — see each file below`;
}

/** An import's totals (only worth a line of their own for more than one file). */
export function ingestSummary(job: JobSnapshot): SummaryLine[] {
  const r = job.result;
  if (!r) return [];
  const files = filesOf(job);
  const out: SummaryLine[] = [];
  if (files.length === 1) {
    const id = num(files[0]!.captureId);
    out.push({ key: 'file', label: 'File', text: `${fileName(files[0]!.path as string)}${id !== null ? `, stored as ${captureName(id)}` : ''}` });
  } else if (files.length > 1) {
    out.push({ key: 'files', label: 'Files', text: plural(files.length, 'file') });
  }
  if (num(r.packets) !== null) out.push({ key: 'packets', label: 'Packets', text: plural(num(r.packets)!, 'packet') });
  if (num(r.flows) !== null) out.push({ key: 'flows', label: 'Flows', text: plural(num(r.flows)!, 'flow') });
  if (num(r.listeners) !== null) {
    out.push({ key: 'services', label: 'Listening services', text: `${plural(num(r.listeners)!, 'listening service')} found, ${formatCount(num(r.added) ?? 0)} new` });
  }
  return out;
}

/** Warnings with upload and directory paths shown as the file's name. */
export function warningLines(job: JobSnapshot): string[] {
  const paths = filesOf(job)
    .map((f) => f.path as string)
    .sort((a, b) => b.length - a.length);
  return job.warnings.map((w) => {
    for (const p of paths) if (w.startsWith(`${p}: `)) return `${fileName(p)}: ${w.slice(p.length + 2)}`;
    return w.replace(/^upload: /, '');
  });
}
