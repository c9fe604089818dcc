/**
 * What recorded text (reasons, owners, notes, names in the history) may hold. It is kept
 * for audits and printed in terminals, reports and spreadsheets, so it must read as what
 * it is: no control characters (C0, DEL, C1 such as U+0085 NEXT LINE), and none of the
 * bidirectional formatting controls that make text display in another order than it is
 * stored (U+202E shows "CHG-12 fdp.exe" reversed), nor line and paragraph separators.
 */
const UNSAFE = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu;

export function hasUnsafeChars(text: string): boolean {
  return UNSAFE.test(text);
}

/** `text` without the characters hasUnsafeChars refuses. */
export function withoutUnsafeChars(text: string): string {
  return text.replace(UNSAFE_ALL, '');
}

/**
 * True when nothing in `text` would show: only white space and invisible format
 * characters (a zero-width space is not an owner).
 */
export function isInvisible(text: string): boolean {
  return text.replace(/[\p{White_Space}\p{Cf}]/gu, '') === '';
}

/** The message both checks give, for schemas and the command line alike. */
export const UNSAFE_MESSAGE = 'control characters (and bidirectional-text controls) are not allowed';
export const INVISIBLE_MESSAGE = 'must contain visible text';
