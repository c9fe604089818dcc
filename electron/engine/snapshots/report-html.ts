/**
 * The readable report: one self-contained HTML file (no scripts, no external fetches; a
 * CSP forbids both), printable to PDF. Every value from the inventory is escaped:
 * banners and service names come from the network and may be hostile.
 */
import type { SnapshotDiff } from '../../shared/snapshots';
import { controlsOf, metricsOf, plural, type ControlResult } from './controls';
import { REPORT_CSS } from './report-style';
import type { SealedSnapshot, SnapshotHost, SnapshotService } from './types';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and quoted attributes; strips other control characters. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD').replace(/[&<>"']/g, (c) => ESC[c]!);
}

const MAX_CELL = 240;
function cut(v: string | null | undefined): string {
  const s = v ?? '';
  return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL)}…` : s;
}

/** What a control's status means, in words an auditor reads without a legend. */
const STATUS_TEXT: Record<'complete' | 'partial' | 'attention' | 'empty', string> = {
  complete: 'no gaps found',
  empty: 'nothing in scope',
  partial: 'supporting evidence',
  attention: 'needs attention',
};

function badge(status: string): string {
  const cls = /^[a-z-]{1,20}$/.test(status) ? `s-${status}` : '';
  return `<span class="badge ${cls}">${esc(status)}</span>`;
}

const dash = '<span class="muted">—</span>';
const cell = (v: string | null | undefined, cls = ''): string => `<td${cls ? ` class="${cls}"` : ''}>${v ? esc(cut(v)) : dash}</td>`;
/** A time on two unbreakable parts: date, then time with its offset. */
const stamp = (iso: string): string => {
  const [d, t] = when(iso).split(' ');
  return `<span class="nw">${esc(d)}</span> <span class="nw">${esc(t ?? '')}</span>`;
};
const when = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+\+00:00$/, '+00:00') : '');

export interface ReportInput {
  doc: SealedSnapshot;
  prev: SealedSnapshot | null;
  /** The snapshot the seal chain links to (the one just before, any scope), when known. */
  chainPrev?: { id: number; scope: string } | null;
  diff: SnapshotDiff | null;
  /** When the report was generated (ISO UTC); shown in the footer, not sealed. */
  generatedAt: string;
}

export function renderReport(r: ReportInput): string {
  const { doc } = r;
  const meta = doc.snapshot.meta;
  const m = metricsOf(doc);
  const controls = controlsOf(doc, r.prev);
  const title = `Listening services compliance snapshot #${meta.id}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Portolan ${esc(meta.portolanVersion)}">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header class="cover">
<p class="kicker">Portolan · compliance evidence</p>
<h1>${esc(title)}</h1>
<p class="subtitle">Which hosts listen on which ports, why each is allowed, who approved it, and how it is known.</p>
<dl class="meta">
<dt>Taken at</dt><dd class="mono">${esc(when(meta.takenAt))}</dd>
<dt>Taken by</dt><dd>${esc(meta.takenBy)}</dd>
<dt>Scope</dt><dd class="mono">${esc(meta.scope)}</dd>
<dt>Note</dt><dd>${meta.note ? `<div class="note">${esc(meta.note)}</div>` : dash}</dd>
<dt>Portolan version</dt><dd>${esc(meta.portolanVersion)}</dd>
<dt>Seal (SHA-256)</dt><dd class="mono">${esc(doc.seal.sha256)}</dd>
<dt>Previous seal</dt><dd class="mono">${meta.prevSha256 ? esc(meta.prevSha256) : 'none — first snapshot in this database'}</dd>${meta.prevSha256 && r.chainPrev ? `<dd>snapshot #${esc(r.chainPrev.id)}, scope <span class="mono">${esc(r.chainPrev.scope)}</span> (the chain links every snapshot in order; section 3 compares with the previous one of the same scope)</dd>` : ''}
</dl>
</header>

<section id="summary">
<h2>1. Summary</h2>
<div class="tiles">
${tile(m.hosts, 'Hosts')}${tile(m.found, 'Services listening')}${tile(m.approved, 'Approved', 'ok')}${tile(m.unapproved, 'Unapproved', m.unapproved ? 'warn' : 'ok')}
${tile(m.insecure, 'Insecure', m.insecure ? 'bad' : 'ok')}${tile(m.flagged, 'Flagged', m.flagged ? 'bad' : '')}${tile(m.ignored, 'Ignored')}${tile(m.gone, 'Gone')}
</div>
<p>Evidence behind the inventory: ${doc.snapshot.sources.captures.length} packet capture(s), ${doc.snapshot.sources.scans.length} connect scan run(s), ${doc.snapshot.sources.imports.length} imported scanner report(s). Times are UTC (ISO 8601, offset shown).</p>
${doc.snapshot.services.length === 0 ? '<p class="st-attention"><strong>Caution:</strong> this snapshot holds no service (sealed on purpose with <span class="mono">--allow-empty</span>): the controls below had nothing to judge, which is not evidence that nothing listens.</p>' : ''}
${controlSummary(controls)}
</section>

<section id="controls">
<h2>2. Evidence by control</h2>
${controls.map((c) => controlSection(c)).join('\n')}
</section>

<section id="changes">
<h2>3. Changes since the previous snapshot</h2>
${changes(r)}
</section>

<section id="inventory" class="pagebreak">
<h2>4. Inventory of listening services</h2>
${inventory(doc)}
</section>

<section id="provenance">
<h2>5. How the evidence was produced</h2>
${provenance(doc)}
</section>

<section id="seal">
<h2>6. Seal</h2>
${sealSection(doc)}
</section>

<footer class="end">Generated ${esc(when(r.generatedAt))} by Portolan ${esc(meta.portolanVersion)} from sealed snapshot #${esc(meta.id)}. The report is a rendering of the sealed JSON; the JSON export is the evidence of record.</footer>
</body>
</html>
`;
}

function tile(n: number, label: string, tone = ''): string {
  return `<div class="tile ${tone}"><div class="n">${n.toLocaleString('en-US')}</div><div class="l">${esc(label)}</div></div>`;
}

function controlSummary(controls: ControlResult[]): string {
  const rows = controls
    .map((c) => `<tr><td class="mono">${esc(c.id)}</td><td>${esc(c.title)}</td><td><span class="badge st-${c.status}">${STATUS_TEXT[c.status]}</span></td></tr>`)
    .join('');
  return `<table><caption>Controls covered</caption><thead><tr><th>Control</th><th>Requirement</th><th>Evidence status</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function controlSection(c: ControlResult): string {
  const list = c.items.length ? serviceTable(c.items, c.itemsCaption) : c.itemsCaption ? `<p class="empty">${esc(c.itemsCaption)}: none.</p>` : '';
  return `<div class="control ${c.status}">
<div class="head"><span class="cid">${esc(c.id)}</span><span class="badge st-${c.status}">${STATUS_TEXT[c.status]}</span></div>
<h3>${esc(c.title)}</h3>
<p class="muted">${esc(c.requirement)}</p>
<ul>${c.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>
${list}
</div>`;
}

/** The compensating control recorded for a service (`portolan control`), or the one its insecure mark carries. */
function controlNote(s: SnapshotService): string | null {
  return s.compensatingControl?.note ?? s.insecure?.compensatingControl ?? null;
}

/**
 * A control's list of services. A list holding insecure services (PCI DSS 1.2.6) has a
 * compensating-control column, so the reader sees which ones are covered.
 */
function serviceTable(items: SnapshotService[], caption: string): string {
  const LIMIT = 200;
  const shown = items.slice(0, LIMIT);
  const withControl = items.some((s) => s.insecure);
  const rows = shown
    .map(
      (s) =>
        `<tr><td class="mono">${esc(s.host)}</td><td class="mono">${esc(`${s.proto}/${s.port}`)}</td>${cell(s.service)}<td>${badge(s.status)}</td>${cell(s.insecure?.protocol)}${cell(s.approval?.justification ?? s.flag?.reason ?? s.ignore?.reason)}${withControl ? cell(controlNote(s) ?? (s.insecure ? 'none recorded' : null)) : ''}</tr>`,
    )
    .join('');
  const more = items.length > LIMIT ? `<p class="muted">… and ${items.length - LIMIT} more; the full list is in section 4 and in the CSV export.</p>` : '';
  return `<table><caption>${esc(caption)} (${items.length})</caption><thead><tr><th>Host</th><th>Port</th><th>Service</th><th>Status</th><th>Insecure</th><th>Justification / reason</th>${withControl ? '<th>Compensating control</th>' : ''}</tr></thead><tbody>${rows}</tbody></table>${more}`;
}

function changes(r: ReportInput): string {
  if (!r.prev || !r.diff) return `<p class="empty">This is the first snapshot of scope <span class="mono">${esc(r.doc.snapshot.meta.scope)}</span> in this database: there is no earlier baseline of the same scope to compare with.</p>`;
  const d = r.diff;
  const head = `<p>Compared with snapshot #${esc(r.prev.snapshot.meta.id)} taken ${esc(when(r.prev.snapshot.meta.takenAt))} (seal <span class="mono">${esc(r.prev.seal.sha256.slice(0, 16))}…</span>), the latest earlier snapshot of the same scope, <span class="mono">${esc(r.prev.snapshot.meta.scope)}</span>.</p>${d.warnings.map((w) => `<p class="st-attention"><strong>Caution:</strong> ${esc(w)}.</p>`).join('')}`;
  if (d.same) return `${head}<p><strong>No change</strong>: the same hosts and services, with the same status, service names and approvals.</p>`;
  const dropped = '<span class="badge">no longer listed</span>';
  const hostRows = [...d.hosts.new.map((h) => [h, 'new']), ...d.hosts.gone.map((h) => [h, 'gone'])].map(([h, c]) => `<tr><td class="mono">${esc(h)}</td><td>${c === 'new' ? badge('new') : dropped}</td></tr>`).join('');
  const svcRows = [
    ...d.services.new.map((s) => `<tr><td class="mono">${esc(s.host)}</td><td class="mono">${esc(`${s.proto}/${s.port}`)}</td>${cell(s.service)}<td>${badge('new')}</td><td>${dash}</td><td>${dash}</td><td>${esc(s.status)}</td></tr>`),
    ...d.services.gone.map((s) => `<tr><td class="mono">${esc(s.host)}</td><td class="mono">${esc(`${s.proto}/${s.port}`)}</td>${cell(s.service)}<td>${dropped}</td><td>${dash}</td><td>${esc(s.status)}</td><td>${dash}</td></tr>`),
    ...d.services.changed.flatMap((s) =>
      s.changes.map((c) => `<tr><td class="mono">${esc(s.host)}</td><td class="mono">${esc(`${s.proto}/${s.port}`)}</td>${cell(s.service)}<td><span class="badge">changed</span></td><td class="mono">${esc(c.field)}</td>${cell(c.before)}${cell(c.after)}</tr>`),
    ),
  ].join('');
  return `${head}
<p>${plural(d.hosts.new.length, 'new host')}, ${d.hosts.gone.length} no longer in the snapshot; ${plural(d.services.new.length, 'new service')}, ${d.services.gone.length} no longer in the snapshot (not listening, or out of scope: not the status <em>gone</em>), ${d.services.changed.length} changed.</p>
${hostRows ? `<table><caption>Hosts</caption><thead><tr><th>Host</th><th>Change</th></tr></thead><tbody>${hostRows}</tbody></table>` : ''}
${svcRows ? `<table><caption>Services</caption><thead><tr><th>Host</th><th>Port</th><th>Service</th><th>Change</th><th>Field</th><th>Before</th><th>After</th></tr></thead><tbody>${svcRows}</tbody></table>` : ''}`;
}

function hostLine(h: SnapshotHost | undefined, address: string): string {
  const bits = [address];
  if (h?.hostnames.length) bits.push(h.hostnames.join(', '));
  if (h?.mac) bits.push(`MAC ${h.mac}`);
  if (h?.tags.length) bits.push(`tags: ${h.tags.join(', ')}`);
  return esc(cut(bits.join(' · ')));
}

/** The insecure mark and the compensating control; a note on a service not marked insecure is shown too. */
function insecureCell(s: SnapshotService): string {
  const note = s.compensatingControl?.note ?? s.insecure?.compensatingControl ?? null;
  const by = s.compensatingControl?.recordedBy ? ` (${s.compensatingControl.recordedBy}${s.compensatingControl.recordedAt ? ` ${when(s.compensatingControl.recordedAt)}` : ''})` : '';
  if (s.insecure) return `${s.insecure.protocol}${note ? ` — control: ${note}${by}` : ' — no control recorded'}`;
  return note ? `not insecure — control: ${note}${by}` : '';
}

function inventory(doc: SealedSnapshot): string {
  const services = doc.snapshot.services;
  if (!services.length) return '<p class="empty">No listening services in scope.</p>';
  const hosts = new Map(doc.snapshot.hosts.map((h) => [h.address, h]));
  const rows: string[] = [];
  let last = '';
  for (const s of services) {
    if (s.host !== last) {
      last = s.host;
      rows.push(`<tr class="hostrow"><td colspan="8">${hostLine(hosts.get(s.host), s.host)}</td></tr>`);
    }
    const evidence = s.sources.map((e) => `${e.source} ${e.evidence}${e.flows ? ` (${plural(e.flows, 'flow')})` : ''}`).join('; ');
    const review = s.approval
      ? `${s.approval.justification} — owner ${s.approval.owner ?? '?'}; approved by ${s.approval.approvedBy} ${when(s.approval.approvedAt)}`
      : s.flag
        ? `Flagged: ${s.flag.reason} — ${s.flag.flaggedBy} ${when(s.flag.flaggedAt)}`
        : s.ignore
          ? `Ignored: ${s.ignore.reason} — ${s.ignore.ignoredBy} ${when(s.ignore.ignoredAt)}; until ${s.ignore.until ? when(s.ignore.until) : 'no end'}${s.ignore.rule !== null ? ` (rule ${s.ignore.rule})` : ''}`
          : '';
    rows.push(
      `<tr><td class="mono">${esc(`${s.proto}/${s.port}`)}</td>${cell(s.service)}<td>${badge(s.status)}</td>${cell(s.confidence === 'certain' ? s.evidence : `${s.evidence} (${s.confidence})`)}<td class="mono t">${stamp(s.firstSeen)}<br>${stamp(s.lastSeen)}</td>${cell(evidence)}${cell(review)}${cell(insecureCell(s))}</tr>`,
    );
  }
  const cols = '<col>'.repeat(8);
  return `<table class="inv"><colgroup>${cols}</colgroup><thead><tr><th>Port</th><th>Service</th><th>Status</th><th>Evidence</th><th>First / last seen</th><th>Sources</th><th>Review (approval, flag, ignore)</th><th>Insecure, control</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function provenance(doc: SealedSnapshot): string {
  const src = doc.snapshot.sources;
  const caps = src.captures
    .map((c) => `<tr><td class="mono">${esc(c.id)}</td>${cell(c.source)}<td class="mono">${esc(when(c.windowStart))}<br>${esc(when(c.windowEnd))}</td><td class="num">${c.packets.toLocaleString('en-US')}</td><td class="num">${c.flows.toLocaleString('en-US')}</td>${cell(c.linkTypes.join(', '))}${cell(c.filter)}${cell(c.fileSha256, 'mono')}${cell(c.status)}</tr>`)
    .join('');
  const scans = src.scans
    .map((s) => `<tr><td class="mono">${esc(s.id)}</td>${cell(s.targets, 'mono')}${cell(s.ports, 'mono')}${cell(JSON.stringify(s.params), 'mono')}${cell(s.startedBy)}${cell(s.sourceAddress, 'mono')}<td class="mono">${esc(when(s.startedAt))}<br>${esc(when(s.endedAt))}</td>${cell(s.status)}</tr>`)
    .join('');
  const imps = src.imports
    .map((i) => `<tr><td class="mono">${esc(i.id)}</td>${cell(i.tool)}${cell(i.file)}${cell(i.args, 'mono')}<td class="mono">${esc(when(i.toolStartedAt))}</td>${cell(i.complete ? 'complete' : 'cut off (incomplete)')}</tr>`)
    .join('');
  const rules = doc.snapshot.rules;
  let rulesHtml = '<p class="empty">This database has no ignore or auto-approve rules.</p>';
  if (rules) {
    const all = Object.entries(rules).flatMap(([t, rows]) => rows.map((r) => ({ t, r })));
    rulesHtml = all.length
      ? `<table><caption>Rules in force (${all.length})</caption><thead><tr><th>Rule</th><th>Kind</th><th>Applies to</th><th>Reason</th><th>Owner</th><th>Expires</th><th>Created</th></tr></thead><tbody>${all
          .map(({ r }) => {
            const target = [r.host ?? r.subnet ?? 'any host', r.proto ? `${String(r.proto)}/${String(r.port ?? '*')}` : r.port !== null && r.port !== undefined ? `port ${String(r.port)}` : 'any port'].join(' ');
            return `<tr>${cell(String(r.id ?? ''), 'mono')}${cell(String(r.kind ?? ''))}${cell(target, 'mono')}${cell(String(r.reason ?? ''))}${cell(r.owner ? String(r.owner) : '')}${cell(r.expiresAt ? when(String(r.expiresAt)) : 'never')}${cell(`${String(r.createdBy ?? '')} ${when(String(r.createdAt ?? ''))}`)}</tr>`;
          })
          .join('')}</tbody></table>`
      : '<p class="empty">No ignore or auto-approve rule was in force.</p>';
  }
  return `<h3>Packet captures (passive evidence)</h3>
${caps ? `<table><thead><tr><th>Source</th><th>File / interface</th><th>Window</th><th class="num">Packets</th><th class="num">Flows</th><th>Link types</th><th>Filter</th><th>SHA-256</th><th>Status</th></tr></thead><tbody>${caps}</tbody></table>` : '<p class="empty">No capture on record.</p>'}
<h3>Connect scans (active evidence)</h3>
${scans ? `<table><thead><tr><th>Run</th><th>Targets</th><th>Ports</th><th>Parameters</th><th>By</th><th>From</th><th>Started / ended</th><th>Status</th></tr></thead><tbody>${scans}</tbody></table>` : '<p class="empty">No scan run on record.</p>'}
<h3>Imported scanner reports</h3>
${imps ? `<table><thead><tr><th>Import</th><th>Tool</th><th>File</th><th>Arguments</th><th>Tool started</th><th>File</th></tr></thead><tbody>${imps}</tbody></table>` : '<p class="empty">No import on record.</p>'}
<h3>Rules in force</h3>
${rulesHtml}`;
}

function sealSection(doc: SealedSnapshot): string {
  const it = doc.seal.items;
  return `<div class="seal">
<p>SHA-256 seal over the item hashes (canonical JSON, ${esc(doc.seal.canonicalization)}):</p>
<p class="hash">${esc(doc.seal.sha256)}</p>
<dl class="meta">
<dt>Previous seal</dt><dd class="mono">${doc.snapshot.meta.prevSha256 ? esc(doc.snapshot.meta.prevSha256) : 'none (first snapshot)'}</dd>
<dt>Items sealed</dt><dd>meta, rules, ${plural(Object.keys(it.hosts).length, 'host')}, ${plural(Object.keys(it.services).length, 'service')}, ${plural(Object.keys(it.sources).length, 'evidence source')}</dd>
</dl>
<p class="muted">To check: <span class="mono">portolan snapshot verify snapshot-${esc(doc.snapshot.meta.id)}.json</span> on the JSON export (works offline and names any altered host, service or section); add <span class="mono">--db PATH</span> to check it against the database copy and its chain. A plain hash proves integrity only against edits that do not recompute it; the chain to the database catches a recomputed file.</p>
</div>`;
}
