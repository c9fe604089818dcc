/**
 * Taking, listing and reading sealed snapshots in the database. A snapshot is built and
 * inserted in one write transaction (BEGIN IMMEDIATE), so the content, its id and its
 * link to the previous seal are one consistent moment; rows are never updated (triggers
 * refuse it). Seal checks of stored rows are cached by id and a digest of the row.
 */
import { sweepInventory } from '../inventory/gone';
import { userInfo } from 'node:os';
import type { SealStatus, SnapshotSummary } from '../../shared/snapshots';
import { hasUnsafeChars, UNSAFE_MESSAGE } from '../../shared/text';
import type { Db } from '../store/db';
import { buildContent } from './build';
import { sha256Hex } from './canonical';
import { parseScope } from './scope';
import { sealContent, sealedText } from './seal';
import type { SealedSnapshot } from './types';
import { parseSealedText, verifyDocument, type Problem, type VerifyReport } from './verify';

export class SnapshotNotFound extends Error {
  override name = 'NotFound';
}

/**
 * A stored snapshot whose row no longer matches its seal (`broken` in the list): it is
 * altered evidence, so it is never exported, reported or compared as if it were sound.
 */
export class SnapshotBroken extends Error {
  override name = 'SnapshotBroken';
}

/** Refused: nothing to seal (no service in the inventory or the scope) without `allowEmpty`. */
export class EmptySnapshot extends Error {
  override name = 'EmptySnapshot';
}

export interface SnapshotRow {
  id: number;
  taken_at: number;
  taken_by: string;
  note: string;
  scope: string;
  canonical_json: string;
  sha256: string;
  prev_sha256: string | null;
}

export interface TakeOptions {
  note?: string;
  by?: string;
  scope?: string;
  nowMs?: number;
  /**
   * Seal a snapshot with no service at all. Off by default: an empty snapshot of a
   * mistyped or freshly created database would read as "nothing to fix".
   */
  allowEmpty?: boolean;
}

export function defaultActor(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER || process.env.USERNAME || 'unknown';
  }
}

export async function takeSnapshot(db: Db, o: TakeOptions = {}): Promise<{ id: number; sha256: string; doc: SealedSnapshot }> {
  const scope = parseScope(o.scope ?? 'all'); // a bad scope fails before the transaction
  const takenBy = (o.by ?? '').trim() || defaultActor();
  const note = o.note ?? '';
  // Sealed forever and printed in terminals and reports: no control characters (line
  // breaks included) nor bidirectional controls, as all recorded text, whichever way the
  // request came. (Lengths are the contract's, SnapshotTake, parsed by every caller.)
  for (const [what, v] of [['note', note], ['taken-by name', takenBy]] as const) {
    if (hasUnsafeChars(v)) throw Object.assign(new Error(`the ${what}: ${UNSAFE_MESSAGE}`), { name: 'InvalidInput' });
  }
  // Statuses as of the snapshot's moment: an ignore that has expired (a rule's or a
  // review's end), a service gone unseen past the gone period, are settled first, or the
  // snapshot would seal "ignored until <a time before it>" (a running window sweeps only
  // every few minutes).
  await sweepInventory(db, o.nowMs ?? Date.now());
  return db.tx(async () => {
    // all(), not get(): a parameterless get() on a reused statement would not reset it.
    const [last] = await db.all<{ id: number; sha256: string }>('snapLast');
    const id = (last?.id ?? 0) + 1;
    const takenAtMs = o.nowMs ?? Date.now();
    const content = await buildContent(db, { id, takenAtMs, takenBy, note, scope, prevSha256: last?.sha256 ?? null });
    if (content.services.length === 0 && !o.allowEmpty) {
      const where = scope.kind === 'all' ? 'the inventory holds no service' : `scope ${scope.text} holds no service`;
      throw new EmptySnapshot(`nothing to seal: ${where} (ingest, capture, scan or import first); an empty snapshot would read as a clean one`);
    }
    const doc = sealContent(content);
    await db.run('snapInsert', [id, takenAtMs, takenBy, note, scope.text, sealedText(doc), doc.seal.sha256, last?.sha256 ?? null]);
    return { id, sha256: doc.seal.sha256, doc };
  });
}

export async function getRow(db: Db, id: number): Promise<SnapshotRow> {
  const row = await db.get<SnapshotRow>('snapGet', [id]);
  if (!row) throw new SnapshotNotFound(`no snapshot ${id}`);
  return row;
}

/** The stored document, parsed (its seal is not checked here; see checkRow). */
export function docOf(row: SnapshotRow): SealedSnapshot {
  return JSON.parse(row.canonical_json) as SealedSnapshot;
}

/**
 * The stored document with its seal checked first: a row that no longer matches its seal
 * is refused (SnapshotBroken), so an export, a report or a diff (CLI and window alike)
 * never presents altered evidence as sealed. A `chain-broken` snapshot is intact itself
 * and is served. `show` and `list` read rows unchecked (readSnapshot) to say what broke.
 */
export async function getSnapshot(db: Db, id: number): Promise<{ row: SnapshotRow; doc: SealedSnapshot }> {
  const row = await getRow(db, id);
  await refuseBroken(db, row);
  return { row, doc: docOf(row) };
}

/** The stored row and document as they are, without the seal check (for showing problems). */
export async function readSnapshot(db: Db, id: number): Promise<{ row: SnapshotRow; doc: SealedSnapshot }> {
  const row = await getRow(db, id);
  return { row, doc: docOf(row) };
}

/** Throws SnapshotBroken, naming the first problem, when `row` does not match its own seal. */
export async function refuseBroken(db: Db, row: SnapshotRow, role = ''): Promise<void> {
  const prev = await db.get<{ sha256: string }>('snapPrev', [row.id]);
  const c = cachedCheck(db, row, prev?.sha256 ?? null);
  if (c.status !== 'broken') return;
  const first = c.problems[0]?.what ?? 'altered';
  const more = c.problems.length > 1 ? ` and ${c.problems.length - 1} more` : '';
  throw new SnapshotBroken(
    `snapshot ${row.id}${role} is broken: its stored row no longer matches its seal (${first}${more}); refusing to use altered evidence. 'portolan snapshot show ${row.id}' lists the problems; 'portolan snapshot verify FILE.json --db PATH' checks an earlier export against the database`,
  );
}

/** The snapshot taken before `id`, if any. */
/**
 * The snapshot a report compares `id` with: the latest earlier one of the same scope
 * (a tag:CDE baseline is compared with the previous tag:CDE one, never with a whole-
 * inventory snapshot taken in between). The seal chain itself links every snapshot in
 * order, whatever its scope (snapPrev).
 */
export async function previousOf(db: Db, id: number): Promise<{ row: Pick<SnapshotRow, 'id' | 'sha256' | 'canonical_json'>; doc: SealedSnapshot } | null> {
  const row = await db.get<Pick<SnapshotRow, 'id' | 'sha256' | 'canonical_json'>>('snapPrevSameScope', [id]);
  return row ? { row, doc: JSON.parse(row.canonical_json) as SealedSnapshot } : null;
}

/** previousOf, refusing a broken previous snapshot: a report's "changes since" must not rest on altered evidence. */
export async function checkedPreviousOf(db: Db, id: number): Promise<{ row: Pick<SnapshotRow, 'id' | 'sha256' | 'canonical_json'>; doc: SealedSnapshot } | null> {
  const prev = await previousOf(db, id);
  if (prev) await refuseBroken(db, await getRow(db, prev.row.id), `, which the report of snapshot ${id} compares with,`);
  return prev;
}

export interface RowCheck {
  status: SealStatus;
  problems: Problem[];
  report: VerifyReport;
}

/**
 * A stored row against itself and its chain: the document verifies, the row's columns
 * agree with the sealed meta, and the link names the previous row's seal.
 */
export function checkRow(row: SnapshotRow, prevSha256: string | null): RowCheck {
  const parsed = parseSealedText(row.canonical_json);
  const report: VerifyReport = parsed.ok
    ? verifyDocument(parsed.doc)
    : { ok: false, sha256: null, id: null, takenAt: null, prevSha256: null, hosts: 0, services: 0, problems: [{ where: parsed.problem.where, what: `stored JSON unreadable: ${parsed.problem.what}` }] };
  const problems = [...report.problems];
  if (report.sha256 !== null && report.sha256 !== row.sha256) problems.push({ where: 'seal', what: `the stored seal column ${row.sha256.slice(0, 12)}… differs from the document's ${report.sha256.slice(0, 12)}…` });
  if (report.id !== null && report.id !== row.id) problems.push({ where: 'meta', what: `the document says snapshot ${report.id}, the row is ${row.id}` });
  if (problems.length) return { status: 'broken', problems, report };
  const chain: Problem[] = [];
  if (report.prevSha256 !== prevSha256) chain.push({ where: 'chain', what: `the link to the previous seal is ${report.prevSha256 ?? 'empty'}, the previous snapshot's seal is ${prevSha256 ?? 'none'}` });
  if (row.prev_sha256 !== report.prevSha256) chain.push({ where: 'chain', what: 'the row’s prev_sha256 column differs from the sealed link' });
  return { status: chain.length ? 'chain-broken' : 'intact', problems: chain, report };
}

const checks = new Map<string, RowCheck>();

/**
 * checkRow, cached by database, id, seal column, link and a digest of the stored text:
 * a row edited behind the triggers' back (dropped, then edited) keeps its seal column
 * but not its text, and a running window must see it break.
 */
function cachedCheck(db: Db, row: SnapshotRow, prev: string | null): RowCheck {
  const key = `${db.path}#${row.id}#${row.sha256}#${prev ?? ''}#${row.prev_sha256 ?? ''}#${sha256Hex(row.canonical_json)}`;
  let c = checks.get(key);
  if (!c) checks.set(key, (c = checkRow(row, prev)));
  return c;
}

export async function listSnapshots(db: Db): Promise<SnapshotSummary[]> {
  const rows = await db.all<SnapshotRow>('snapList');
  const out: SnapshotSummary[] = [];
  let prev: string | null = null;
  for (const row of rows) {
    const c = cachedCheck(db, row, prev);
    out.push({
      id: row.id,
      takenAt: c.report.takenAt ?? new Date(row.taken_at).toISOString(),
      takenBy: row.taken_by,
      note: row.note,
      scope: row.scope,
      sha256: row.sha256,
      prevSha256: row.prev_sha256,
      hosts: c.report.hosts,
      services: c.report.services,
      seal: c.status,
      problems: c.problems.map((p) => p.what),
    });
    prev = row.sha256;
  }
  return out;
}

/**
 * An exported file against the database it came from: the database holds a snapshot
 * with the same id and the same seal, that row is intact, and its chain holds. Catches a
 * file whose every hash was recomputed after an edit.
 */
export async function verifyAgainstDb(db: Db, report: VerifyReport): Promise<Problem[]> {
  if (report.id === null) return [{ where: 'database', what: 'the file names no snapshot id to look up' }];
  const row = await db.get<SnapshotRow>('snapGet', [report.id]);
  if (!row) return [{ where: 'database', what: `the database has no snapshot ${report.id}` }];
  const problems: Problem[] = [];
  if (row.sha256 !== report.sha256) problems.push({ where: 'database', what: `the database's snapshot ${row.id} is sealed ${row.sha256}; the file claims ${report.sha256 ?? 'nothing'}: the file was altered and re-hashed, or comes from another database` });
  const prev = await db.get<{ sha256: string }>('snapPrev', [row.id]);
  const c = checkRow(row, prev?.sha256 ?? null);
  for (const p of c.problems) problems.push({ where: `database ${p.where}`, what: `stored snapshot ${row.id}: ${p.what}` });
  const next = await db.get<{ id: number; prev_sha256: string | null }>('snapNext', [row.id]);
  if (next && next.prev_sha256 !== row.sha256) problems.push({ where: 'database chain', what: `snapshot ${next.id} links to ${next.prev_sha256 ?? 'nothing'}, not to snapshot ${row.id}'s seal: the stored snapshot ${row.id} was rewritten` });
  return problems;
}
