/** Named capture profiles: a saved protocol choice (migration 4, capture_profiles). */
import { CaptureSelection, type CaptureProfile } from '../../shared/capture';
import { resolveSelection } from '../filters/selection';
import type { Db } from '../store/db';

interface ProfileRow {
  name: string;
  selection_json: string;
  created_at: number;
  updated_at: number;
}

function toProfile(r: ProfileRow): CaptureProfile {
  let selection: CaptureSelection;
  try {
    selection = CaptureSelection.parse(JSON.parse(r.selection_json));
  } catch {
    // A row written by a future version we cannot read: show it as "everything", never crash.
    selection = { transports: [], apps: [], ignore: [] };
  }
  return { name: r.name, selection, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString() };
}

export async function listProfiles(db: Db): Promise<CaptureProfile[]> {
  return (await db.all<ProfileRow>('capProfilesList')).map(toProfile);
}

export async function getProfile(db: Db, name: string): Promise<CaptureProfile | null> {
  const r = await db.get<ProfileRow>('capProfileGet', [name]);
  return r ? toProfile(r) : null;
}

/** Saves (creates or replaces) a profile; the selection is checked as a capture would check it. */
export async function saveProfile(db: Db, name: string, selection: unknown, nowMs = Date.now()): Promise<CaptureProfile> {
  const r = resolveSelection(selection as CaptureSelection);
  await db.run('capProfileSave', [name.trim(), JSON.stringify(r.selection), nowMs, nowMs]);
  return (await getProfile(db, name.trim()))!;
}

export async function deleteProfile(db: Db, name: string): Promise<boolean> {
  return (await db.run('capProfileDelete', [name])).changes > 0;
}
