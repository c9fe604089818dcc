/**
 * A cheap, linear look at a report's markup before the XML validator and parser see it.
 * Refused here, each with the line it starts on:
 *
 * - A field longer than {@link MAX_FIELD_CHARS}: a run of characters without markup (a
 *   tag with its attribute values, a text node), a comment, CDATA section or processing
 *   instruction. fast-xml-parser's
 *   XMLValidator needs ~40 bytes of memory per byte of one attribute value (a 10 MB
 *   `product="AAAA…"` took 625 MB, 50 MB took 2.9 GB); bounding every field bounds that.
 *   nmap's longest real fields are script outputs, a few hundred KB at most.
 * - A DTD of the file's own: a DOCTYPE with an internal subset (`[ <!ENTITY …> ]`),
 *   a DOCTYPE after the root element starts (the parser would still read its entities),
 *   or any other `<!…>` declaration. nmap writes `<!DOCTYPE nmaprun>` and nothing more;
 *   masscan no DOCTYPE at all. Entities declared by the file would otherwise be expanded
 *   into banners, or, past the expansion limits, stored as the literal `&a9;`.
 * - An entity reference the parser cannot expand (`&zz;`): it would be stored as text.
 */

/** 1 MiB: generous for a script output, far below what hurts the validator. */
export const MAX_FIELD_CHARS = 1 << 20;

export class MarkupError extends Error {
  override name = 'MarkupError';
}

function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const DOCTYPE_PLAIN = /<!DOCTYPE\s+[A-Za-z_][\w.:-]*(\s+(SYSTEM\s+("[^"]*"|'[^']*')|PUBLIC\s+("[^"]*"|'[^']*')\s+("[^"]*"|'[^']*')))?\s*>/y;
const REFERENCE = /&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z_:][\w.:-]*);/y;
const SECTIONS: Array<[open: string, close: string, what: string]> = [
  ['<!--', '-->', 'comment'],
  ['<![CDATA[', ']]>', 'CDATA section'],
  ['<?', '?>', 'processing instruction'],
];

/**
 * Throws {@link MarkupError} for the first field that is too long, a DTD of the file's
 * own, or a reference `expands` says the parser leaves as text. `expands(name)` answers
 * for a named entity (`amp`, `nbsp`); numeric references always expand.
 */
export function prescan(text: string, expands: (name: string) => boolean, max = MAX_FIELD_CHARS): void {
  const fail = (at: number, msg: string): never => {
    throw new MarkupError(`line ${lineAt(text, at)}: ${msg}`);
  };
  const tooLong = (at: number, what: string): never =>
    fail(at, `a ${what} longer than ${max} characters; nmap's longest fields, script outputs, are a few hundred KB: refused, nothing stored`);
  let rootSeen = false;
  // The next '&' not yet checked: found once, kept until the scan passes it (linear).
  let amp = text.indexOf('&');
  const checkRefs = (end: number) => {
    while (amp >= 0 && amp < end) {
      REFERENCE.lastIndex = amp;
      const m = REFERENCE.exec(text);
      const name = m?.[1];
      if (name && !name.startsWith('#') && !expands(name)) {
        fail(amp, `the entity &${name.slice(0, 40)}; is not defined (nmap writes only &amp; &lt; &gt; &quot; &apos; and numeric references), so it would be stored as text: refused, nothing stored`);
      }
      amp = text.indexOf('&', amp + 1);
    }
  };
  // [from, lt) is one run without markup: a tag with its attribute values and the text
  // after it, or the text after a comment. No single value can be longer than the run.
  let from = 0;
  let lt = text.indexOf('<');
  for (;;) {
    const end = lt < 0 ? text.length : lt;
    if (end - from > max) tooLong(from, 'run of characters without markup (an attribute value or text node)');
    checkRefs(end);
    if (lt < 0) return;
    const section = SECTIONS.find(([open]) => text.startsWith(open, lt));
    if (section) {
      const [open, close, what] = section;
      const stop = text.indexOf(close, lt + open.length);
      const after = stop < 0 ? text.length : stop + close.length;
      if (after - lt > max) tooLong(lt, what);
      // References inside a comment, CDATA or PI are literal text, not references.
      if (amp >= 0 && amp < after) amp = text.indexOf('&', after);
      if (stop < 0) return; // unclosed: the validator names it
      from = after;
      lt = text.indexOf('<', after);
      continue;
    }
    if (text.startsWith('<!', lt)) {
      DOCTYPE_PLAIN.lastIndex = lt;
      if (!text.startsWith('<!DOCTYPE', lt) || rootSeen || !DOCTYPE_PLAIN.test(text)) {
        fail(lt, 'the file declares its own DTD (a DOCTYPE with [ … ] entity declarations, a DOCTYPE inside the document, or another <!…> declaration); nmap writes only <!DOCTYPE nmaprun> and masscan none, so this is not their output: refused, nothing stored');
      }
    } else if (!rootSeen && /[A-Za-z_]/.test(text[lt + 1] ?? '')) rootSeen = true;
    from = lt;
    lt = text.indexOf('<', lt + 1);
  }
}
