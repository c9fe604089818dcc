/**
 * Limits of the text fields an analyst types into, as the engine's schemas in
 * electron/shared have them (a reason or owner: inventory.ts's MAX_TEXT; a snapshot's
 * note, taken-by and scope: snapshots.ts; the inventory search: contract.ts). The fields get
 * them as `maxlength`, so the browser never lets through text the engine would refuse,
 * and show a counter near the limit, so text cut by the limit (a long paste) is seen.
 * test/renderer/panel-dialog-fixes.test.ts checks them against the schemas.
 */
export const LIMITS = { reason: 512, owner: 512, search: 512, snapshotNote: 2000, snapshotBy: 128, snapshotScope: 256 } as const;

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
