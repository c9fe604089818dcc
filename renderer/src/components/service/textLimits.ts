import { SNAPSHOT_BY_MAX, SNAPSHOT_NOTE_MAX, SNAPSHOT_SCOPE_MAX, TEXT_MAX } from '../../../../electron/shared/limits';

/**
 * Limits of the text fields an analyst types into: the ones the engine's schemas use
 * (electron/shared/limits.ts). The fields get
 * them as `maxlength`, so the browser never lets through text the engine would refuse,
 * and show a counter near the limit, so text cut by the limit (a long paste) is seen.
 * test/renderer/panel-dialog-fixes.test.ts checks them against the schemas.
 */
export const LIMITS = { reason: TEXT_MAX, owner: TEXT_MAX, search: TEXT_MAX, snapshotNote: SNAPSHOT_NOTE_MAX, snapshotBy: SNAPSHOT_BY_MAX, snapshotScope: SNAPSHOT_SCOPE_MAX } as const;

/**
 * "480 / 512" once the text is within a tenth of its limit (at least 20 characters), else
 * null: a counter on every key press would be noise.
 */
export function counterText(length: number, max: number): string | null {
  return length >= max - Math.max(20, Math.ceil(max / 10)) ? `${length} / ${max}` : null;
}

/**
 * True when pasting `pasted` over `selected` characters of a field holding `length` would
 * go past `max`: the browser keeps only what fits, and the analyst should be told.
 */
export function pasteCut(length: number, selected: number, pasted: string, max: number): boolean {
  return length - selected + pasted.length > max;
}

/** Line breaks (and tabs) as spaces: a reason or owner is one line, as the engine wants it. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\t\u0085\u2028\u2029\v\f]/g, ' ');
}
