/**
 * The sizes and ranges the contract's schemas allow, in one place: the schemas use them
 * to refuse, and the window uses them for `maxlength`, counters and inline checks, so the
 * two cannot drift apart.
 */

/** A reason, an owner, a search: one line of at most this many characters. */
export const TEXT_MAX = 512;
/** A snapshot's note, who took it, and its scope text. */
export const SNAPSHOT_NOTE_MAX = 2000;
export const SNAPSHOT_BY_MAX = 128;
export const SNAPSHOT_SCOPE_MAX = 256;
/** A scan's per-probe timeout (ms) and its rate limit (probes per second). */
export const SCAN_TIMEOUT_MS = { min: 10, max: 60_000 } as const;
export const SCAN_RATE = { min: 1, max: 1_000_000 } as const;
