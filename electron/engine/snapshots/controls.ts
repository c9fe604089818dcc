/**
 * What a snapshot shows for each control the report covers. Portolan gives evidence, not
 * a verdict: each control gets its metrics, the items that need a look, and an evidence
 * status — `complete` when nothing in the snapshot needs attention for that control,
 * `partial` when the control asks for more than Portolan records, `attention` for a gap. The requirement texts are short paraphrases; the standards'
 * own wording governs.
 */
import type { SealedSnapshot, SnapshotService } from './types';

export interface Metrics {
  hosts: number;
  /** Services listening (every status but gone). */
  found: number;
  approved: number;
  /** new + flagged: listening without an approval. */
  unapproved: number;
  new: number;
  flagged: number;
  ignored: number;
  gone: number;
  insecure: number;
  insecureWithoutControl: number;
  approvedWithoutOwner: number;
}

export function metricsOf(doc: SealedSnapshot): Metrics {
  const s = doc.snapshot.services;
  const live = s.filter((x) => x.status !== 'gone');
  const count = (st: string) => s.filter((x) => x.status === st).length;
  return {
    hosts: doc.snapshot.hosts.length,
    found: live.length,
    approved: count('approved'),
    unapproved: count('new') + count('flagged'),
    new: count('new'),
    flagged: count('flagged'),
    ignored: count('ignored'),
    gone: count('gone'),
    insecure: live.filter((x) => x.insecure).length,
    insecureWithoutControl: live.filter((x) => x.insecure && !x.insecure.compensatingControl).length,
    approvedWithoutOwner: s.filter((x) => x.status === 'approved' && !x.approval?.owner).length,
  };
}

export interface ControlResult {
  id: string;
  framework: string;
  title: string;
  requirement: string;
  /**
   * complete: Portolan's data shows no gap for this control; partial: the data is
   * supporting evidence only (the control asks for more than Portolan records);
   * attention: a gap to close; empty: the snapshot holds no service, so there was
   * nothing to judge (an empty snapshot sealed on purpose is not a clean one).
   */
  status: 'complete' | 'partial' | 'attention' | 'empty';
  /** One line per finding, plain text. */
  findings: string[];
  /** Services to list under the control (may be empty). */
  items: SnapshotService[];
  itemsCaption: string;
}

const DAY = 86_400_000;

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function controlsOf(doc: SealedSnapshot, prev: SealedSnapshot | null): ControlResult[] {
  const m = metricsOf(doc);
  const svc = doc.snapshot.services;
  const live = svc.filter((x) => x.status !== 'gone');
  const unapproved = live.filter((x) => x.status === 'new' || x.status === 'flagged');
  const insecure = live.filter((x) => x.insecure);
  const takenMs = Date.parse(doc.snapshot.meta.takenAt);
  const src = doc.snapshot.sources;
  const scanTimes = [...src.scans.map((x) => x.startedAt), ...src.imports.map((x) => x.toolStartedAt ?? x.recordedAt)].map((t) => Date.parse(t)).filter((t) => t <= takenMs);
  const lastScan = scanTimes.length ? scanTimes.reduce((a, b) => Math.max(a, b)) : null;
  const scanAgeDays = lastScan === null ? null : Math.floor((takenMs - lastScan) / DAY);
  const prevAgeDays = prev ? Math.floor((takenMs - Date.parse(prev.snapshot.meta.takenAt)) / DAY) : null;
  // CIS 1.3 asks for active discovery daily: on how many of the seven days before the
  // snapshot a scan ran (a day is a 24-hour span back from the snapshot's time).
  const activeDays = new Set(scanTimes.map((t) => Math.floor((takenMs - t) / DAY)).filter((d) => d < 7)).size;
  // CIS 1.5 asks for passive discovery reviewed weekly: the newest traffic a capture saw.
  const captureEnds = src.captures.map((c) => Date.parse(c.windowEnd ?? c.recordedAt)).filter((t) => Number.isFinite(t) && t <= takenMs);
  const lastCapture = captureEnds.length ? captureEnds.reduce((a, b) => Math.max(a, b)) : null;
  const captureAgeDays = lastCapture === null ? null : Math.floor((takenMs - lastCapture) / DAY);
  const iso = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '+00:00');
  const undocumented = live.filter((x) => x.status !== 'ignored' && !(x.approval && x.approval.justification.trim()));
  // A snapshot of no service (sealed with --allow-empty) shows no gap because it shows
  // nothing: the controls judged on its services say so instead of "no gaps found".
  const judged = (status: ControlResult['status']): ControlResult['status'] => (svc.length === 0 ? 'empty' : status);

  return [
    {
      id: 'PCI DSS v4.0 1.2.5',
      framework: 'PCI DSS v4.0',
      title: 'Allowed services, protocols and ports are identified, approved and have a defined business need',
      requirement: 'Every service, protocol and port allowed is identified, approved, and has a defined business need.',
      status: judged(m.unapproved === 0 && m.approvedWithoutOwner === 0 ? 'complete' : 'attention'),
      findings: [
        `${plural(m.found, 'listening service')} identified on ${plural(m.hosts, 'host')}.`,
        `${m.approved} approved with a business justification; ${m.unapproved} not approved (${m.new} new, ${m.flagged} flagged); ${m.ignored} ignored with a reason.`,
        ...(m.approvedWithoutOwner ? [`${plural(m.approvedWithoutOwner, 'approved service')} without an owner.`] : []),
      ],
      items: unapproved,
      itemsCaption: 'Listening services without an approval',
    },
    {
      id: 'PCI DSS v4.0 1.2.6',
      framework: 'PCI DSS v4.0',
      title: 'Security features are defined and implemented for insecure services, protocols and ports',
      requirement: 'For every insecure service, protocol or port in use, security features are defined and implemented to mitigate the risk.',
      status: judged(m.insecureWithoutControl === 0 ? 'complete' : 'attention'),
      findings: [
        `${plural(m.insecure, 'insecure service')} listening (cleartext protocols such as telnet, FTP, POP3, IMAP, SNMPv1/v2c, r-services).`,
        `${m.insecureWithoutControl} without a recorded compensating control${m.insecureWithoutControl ? ' (the approval justification, where there is one, is shown beside each)' : ''}.`,
      ],
      items: insecure,
      itemsCaption: 'Insecure services in use',
    },
    {
      id: 'PCI DSS v4.0 2.2.4',
      framework: 'PCI DSS v4.0',
      title: 'Only necessary services, protocols, daemons and functions are enabled',
      requirement: 'Only necessary services are enabled; all unnecessary functionality is removed or disabled.',
      status: judged(m.flagged === 0 && m.new === 0 ? 'complete' : 'attention'),
      findings: [
        `${plural(m.flagged, 'service')} flagged as unexpected and still listening.`,
        `${plural(m.new, 'service')} not yet reviewed.`,
        `${plural(m.gone, 'service')} previously approved or flagged and no longer seen (gone).`,
      ],
      items: live.filter((x) => x.status === 'flagged'),
      itemsCaption: 'Flagged services still listening',
    },
    {
      id: 'PCI DSS v4.0 11.3.1',
      framework: 'PCI DSS v4.0',
      title: 'Internal vulnerability scans are performed at least once every three months',
      requirement: 'Internal scans at least once every three months and after significant change. Portolan records port discovery scans, which are part of that evidence, not a vulnerability scan.',
      // Port discovery is part of 11.3.1's evidence, never all of it (that needs a vulnerability scan).
      status: scanAgeDays !== null && scanAgeDays <= 92 ? 'partial' : 'attention',
      findings: [
        `${plural(src.scans.length, 'connect scan run')} and ${plural(src.imports.length, 'imported scanner report')} on record.`,
        lastScan === null ? 'No active scan is on record before this snapshot.' : `Most recent scan: ${new Date(lastScan).toISOString().replace(/Z$/, '+00:00')} (${scanAgeDays} days before the snapshot).`,
      ],
      items: [],
      itemsCaption: '',
    },
    {
      id: 'NERC CIP-007-6 R1.1',
      framework: 'NERC CIP',
      title: 'Enable only logical network accessible ports determined to be needed',
      requirement: 'Only the logical network accessible ports needed are enabled, with documentation of the need.',
      status: judged(undocumented.length === 0 ? 'complete' : 'attention'),
      findings: [
        `${m.found - undocumented.length - m.ignored} of ${m.found} listening ports have a documented need (approval justification).`,
        `${plural(undocumented.length, 'port')} without documented need.`,
      ],
      items: undocumented,
      itemsCaption: 'Listening ports without a documented need',
    },
    {
      id: 'NERC CIP-010-4 R1.1.4',
      framework: 'NERC CIP',
      title: 'Baseline configuration includes any logical network accessible ports',
      requirement: 'The baseline configuration includes the logical network accessible ports; changes are monitored at least every 35 days (R2.1).',
      status: judged(prevAgeDays === null || prevAgeDays <= 35 ? 'complete' : 'attention'),
      findings: [
        `This snapshot is a baseline of ${plural(m.found, 'listening port')} on ${plural(m.hosts, 'host')}, sealed${prevAgeDays === null ? '' : ' and chained to the previous snapshot'}.`,
        prevAgeDays === null ? 'No earlier snapshot: this is the first baseline.' : `Previous snapshot taken ${prevAgeDays} days earlier${prevAgeDays > 35 ? ' — more than the 35 days R2.1 allows between checks' : ''}.`,
      ],
      items: [],
      itemsCaption: '',
    },
    {
      id: 'CIS Controls v8 1.3',
      framework: 'CIS Controls v8',
      title: 'Utilize an active discovery tool',
      requirement: 'An active discovery tool identifies assets connected to the network, run daily or more often.',
      status: judged(scanAgeDays !== null && scanAgeDays < 1 ? 'complete' : 'attention'),
      findings: [
        lastScan === null ? 'No active scan (connect scan or imported scanner report) is on record before this snapshot.' : `Most recent active scan: ${iso(lastScan)} (${scanAgeDays === 0 ? 'within the day' : `${plural(scanAgeDays!, 'day')}`} before the snapshot).`,
        `Active scans on ${activeDays} of the 7 days before the snapshot.`,
      ],
      items: [],
      itemsCaption: '',
    },
    {
      id: 'CIS Controls v8 1.5',
      framework: 'CIS Controls v8',
      title: 'Use a passive asset discovery tool',
      requirement: 'A passive discovery tool identifies assets connected to the network; its results update the asset inventory at least weekly.',
      status: judged(captureAgeDays !== null && captureAgeDays < 7 ? 'complete' : 'attention'),
      findings: [
        `${plural(src.captures.length, 'capture')} (files and live) on record.`,
        lastCapture === null ? 'No captured traffic is on record before this snapshot.' : `Newest traffic captured: ${iso(lastCapture)} (${captureAgeDays === 0 ? 'within the day' : plural(captureAgeDays!, 'day')} before the snapshot).`,
      ],
      items: [],
      itemsCaption: '',
    },
    {
      id: 'CIS Controls v8 4.8',
      framework: 'CIS Controls v8',
      title: 'Uninstall or disable unnecessary services on enterprise assets and software',
      requirement: 'Unnecessary services (e.g. an unused file-sharing service, a web application module, a service function) are uninstalled or disabled.',
      status: judged(m.flagged === 0 && m.insecureWithoutControl === 0 ? 'complete' : 'attention'),
      findings: [`Services found ${m.found}, approved ${m.approved}, unapproved ${m.unapproved}, insecure ${m.insecure}.`, `${plural(m.flagged, 'flagged service')} still listening; ${m.gone} gone since approval or flag.`],
      items: [],
      itemsCaption: '',
    },
  ];
}
