/**
 * Why the app cannot start, in words: the error's message, with its first letter raised,
 * never its class name ("NoToken: this page needs…" told the analyst nothing more).
 */
export function fatalText(err: unknown): string {
  const text = err instanceof Error ? err.message.trim() || err.name : String(err);
  return text ? text[0]!.toUpperCase() + text.slice(1) : 'Unknown error.';
}
