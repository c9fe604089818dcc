/**
 * Which files the user really dropped on the window, so the page can ingest those and
 * nothing else.
 *
 * The page (main world) never sees a file's path, and cannot name one: it hands the
 * preload the File objects it got from a drop, and the preload asks Electron for their
 * paths (`webUtils.getPathForFile`). That alone is not enough: a File from an
 * `<input type=file>` also has a path, and a page that misbehaves could offer one. So the
 * preload also watches drops itself, from its isolated world, and remembers the paths of
 * the files in the last drop whose event the browser marked `isTrusted` (made by the
 * user's hand, never by a script's `dispatchEvent`). A request is granted only when every
 * File it names was in that drop, within a minute; a drop is used once.
 *
 * Pure (no Electron import) so it is tested in Node with stand-in files.
 */

/** The part of a DOM DragEvent the ledger reads. */
export interface DropEventLike {
  readonly isTrusted: boolean;
  readonly dataTransfer: { readonly files: ArrayLike<unknown> } | null;
}

/** How long after a drop its files may be asked for (the page uploads nothing first, so a minute is ample). */
export const DROP_TTL_MS = 60_000;

export class NotDroppedError extends Error {
  override name = 'NotDropped';
}

export class DropLedger {
  private paths = new Set<string>();
  private at = -Infinity;

  /**
   * @param pathOf the file-system path of a File ('' when it has none, e.g. made by a
   *   script); `webUtils.getPathForFile` in the preload. May throw for a non-File.
   */
  constructor(
    private readonly pathOf: (file: unknown) => string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = DROP_TTL_MS,
  ) {}

  private safePath(file: unknown): string {
    try {
      const p = this.pathOf(file);
      return typeof p === 'string' ? p : '';
    } catch {
      return '';
    }
  }

  /** A `drop` anywhere in the window (capture phase). Untrusted (scripted) drops are ignored. */
  record(ev: DropEventLike): void {
    if (ev.isTrusted !== true || !ev.dataTransfer) return;
    const paths = Array.from(ev.dataTransfer.files, (f) => this.safePath(f)).filter((p) => p !== '');
    this.paths = new Set(paths);
    this.at = this.now();
  }

  /**
   * The paths of `files`, when every one was in the last trusted drop (not older than the
   * time limit); that drop is then used up. Throws NotDroppedError otherwise.
   */
  take(files: unknown): string[] {
    if (!Array.isArray(files) || files.length === 0) throw new NotDroppedError('no dropped files given');
    const fresh = this.now() - this.at <= this.ttlMs;
    const paths = files.map((f) => this.safePath(f));
    if (!fresh || paths.some((p) => p === '' || !this.paths.has(p))) {
      throw new NotDroppedError('only files dropped on this window can be imported this way; use "Import capture file…" to choose others');
    }
    this.paths = new Set();
    this.at = -Infinity;
    return [...new Set(paths)];
  }
}
