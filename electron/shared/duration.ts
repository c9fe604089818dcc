/**
 * Durations as the command line takes them for `--since` and `--expires`: a whole number
 * and one unit, `90m`, `12h`, `30d`, `2w` (`s` for seconds too). Here, free of Node, so
 * the renderer's ignore dialog reads the same text the same way as `portolan review
 * --ignore --expires 30d` (engine/cli/inventory-args.ts parses its flags with this).
 */

/** Milliseconds per unit letter. */
export const DURATION_UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Times are written as ISO 8601 with a four-digit year: nothing after this can be. */
export const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

const DURATION = /^(\d{1,6})([smhdw])$/;

/** The milliseconds a duration stands for (`30d`), or null when the text is not one. */
export function durationMs(text: string): number | null {
  const d = DURATION.exec(text.trim());
  return d ? Number(d[1]) * DURATION_UNIT_MS[d[2]!]! : null;
}

export type DurationTime = { ok: true; iso: string } | { ok: false; message: string };

/**
 * The time a duration ends, ahead of (`direction` 1) or back from (-1) `nowMs`, as ISO
 * 8601; null when the text is not a duration at all (the caller then tries a date). A
 * time before 1970 or after the year 9999 is refused in words, as the CLI does.
 */
export function timeFromDuration(text: string, direction: -1 | 1, nowMs: number): DurationTime | null {
  const ms = durationMs(text);
  if (ms === null) return null;
  const t = nowMs + direction * ms;
  if (t > LATEST_TIME_MS || t < 0) return { ok: false, message: `${text.trim()} is ${t < 0 ? 'before 1970' : 'after the year 9999'}: give a shorter duration or a date` };
  return { ok: true, iso: new Date(t).toISOString() };
}
