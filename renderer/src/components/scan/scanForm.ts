/**
 * Pure helpers of the Scan form, tested without Vue: port presets, big counts, the
 * estimate line, and saved profiles (ports and speed only: a profile never holds a
 * target, so the form never proposes one the analyst did not type).
 */
import type { ScanEstimate, ScanProfileName } from '../../../../electron/shared';
import { SCAN_RATE, SCAN_TIMEOUT_MS } from '../../../../electron/shared/limits';

export type PortPreset = 'top100' | 'top1000' | 'all' | 'custom';

export const PORT_PRESETS: Array<{ id: PortPreset; label: string; spec: string }> = [
  { id: 'top100', label: 'Top 100', spec: 'top:100' },
  { id: 'top1000', label: 'Top 1000', spec: 'top:1000' },
  { id: 'all', label: 'All (1-65535)', spec: 'all' },
  { id: 'custom', label: 'Custom', spec: '' },
];

export const PROFILE_LABELS: Record<ScanProfileName, string> = {
  gentle: 'Gentle — 100 probes/s, for fragile networks',
  normal: 'Normal',
  fast: 'Fast — loopback and labs',
};

export function portSpecFor(preset: PortPreset, custom: string): string {
  return preset === 'custom' ? custom.trim() : PORT_PRESETS.find((p) => p.id === preset)!.spec;
}

/** A decimal string (counts may exceed 2^53) with thousands separators. */
export function formatBig(decimal: string): string {
  if (!/^\d+$/.test(decimal)) return decimal;
  return decimal.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "256 addresses × 100 ports = 25,600 probes", with names to resolve mentioned. */
export function estimateLine(e: ScanEstimate | null): string {
  if (!e) return '';
  const names = e.names ? ` + ${e.names} name${e.names === 1 ? '' : 's'} to resolve` : '';
  const addrs = `${formatBig(e.addresses)} address${e.addresses === '1' ? '' : 'es'}${names}`;
  if (e.ports === null) return addrs;
  return `${addrs} × ${formatBig(String(e.ports))} port${e.ports === 1 ? '' : 's'} = ${formatBig(e.probes)} probe${e.probes === '1' ? '' : 's'}`;
}

/** Whether the form may be submitted: something typed, and nothing the engine would refuse. */
export function canStart(targets: string, ports: string, e: ScanEstimate | null): boolean {
  if (!targets.trim() || !ports.trim()) return false;
  if (!e) return false;
  return e.targetErrors.length === 0 && e.portError === null && (e.addresses !== '0' || e.names > 0);
}

export interface SavedProfile {
  name: string;
  preset: PortPreset;
  customPorts: string;
  profile: ScanProfileName;
  timeoutMs: number | null;
  rate: number | null;
}

const KEY = 'portolan.scan.profiles';

/** Reads saved profiles, dropping anything malformed (or any stray field, such as a target). */
export function parseProfiles(text: string | null): SavedProfile[] {
  if (!text) return [];
  try {
    const raw = JSON.parse(text) as unknown;
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((p): SavedProfile[] => {
      if (!p || typeof p !== 'object') return [];
      const o = p as Record<string, unknown>;
      if (typeof o.name !== 'string' || !o.name.trim()) return [];
      if (!PORT_PRESETS.some((x) => x.id === o.preset)) return [];
      if (!['gentle', 'normal', 'fast'].includes(o.profile as string)) return [];
      const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
      return [{ name: o.name.slice(0, 60), preset: o.preset as PortPreset, customPorts: typeof o.customPorts === 'string' ? o.customPorts.slice(0, 4096) : '', profile: o.profile as ScanProfileName, timeoutMs: num(o.timeoutMs), rate: num(o.rate) }];
    });
  } catch {
    return [];
  }
}

export function loadProfiles(storage: Pick<Storage, 'getItem'> | null): SavedProfile[] {
  try {
    return parseProfiles(storage?.getItem(KEY) ?? null);
  } catch {
    return [];
  }
}

export function saveProfiles(storage: Pick<Storage, 'setItem'> | null, list: SavedProfile[]): void {
  try {
    storage?.setItem(KEY, JSON.stringify(list));
  } catch {
    // Storage full or disabled: the profile lives for this session only.
  }
}

/** Seconds as "1 h 02 min", "3 min 05 s", "12 s". */
export function formatEta(s: number | null): string {
  if (s === null) return '—';
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** What a number field of the form holds: its value (null: empty, the profile's default) or why it is refused. */
export interface LimitField {
  value: number | null;
  error: string | null;
}

/**
 * The bounds of the form's number fields, the engine's own (ScanStart in
 * electron/shared/scan.ts): a value outside them would be refused at the door.
 */
export const LIMITS = {
  timeoutMs: { label: 'Timeout', unit: ' ms', ...SCAN_TIMEOUT_MS },
  rate: { label: 'Max probes/s', unit: '', ...SCAN_RATE },
} as const;

/**
 * Reads a number field. Only an empty field means "the profile's default": text that is
 * not a whole number in range (`-5`, `0`, `abc`, `1,000`, `50/s`, `1.5`) is an error the
 * form shows and that blocks Start, never a silent "no limit" (a rate cap is a safety
 * control: dropping it would sweep at the profile's uncapped speed).
 */
export function parseLimit(text: string, limit: { label: string; unit: string; min: number; max: number }): LimitField {
  const t = text.trim();
  if (!t) return { value: null, error: null };
  const n = /^\d{1,9}$/.test(t) ? Number(t) : NaN;
  if (Number.isInteger(n) && n >= limit.min && n <= limit.max) return { value: n, error: null };
  return { value: null, error: `${limit.label} must be a whole number from ${formatBig(String(limit.min))} to ${formatBig(String(limit.max))}${limit.unit}, or empty for the profile's default` };
}
