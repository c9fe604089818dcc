/** What the rest of the renderer gets from the platform bridge. */
import type { JobSnapshot, PortolanApi } from '../../../electron/shared';

export type PlatformKind = 'electron' | 'web';

/**
 * `open`: calls go through; `connecting` / `closed`: calls wait or fail (web only);
 * `unauthorized`: the server refuses this page's session token (serve restarted with a
 * new one, or a wrong link): calls fail until the user opens the URL serve printed.
 */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

export interface Connection {
  state(): ConnectionState;
  /** Called on every change; returns the unsubscribe function. */
  onChange(listener: (state: ConnectionState) => void): () => void;
}

/** Progress of the part of an import that happens before the ingest job exists. */
export type ImportStage = (message: string) => void;

export interface Platform {
  api: PortolanApi;
  kind: PlatformKind;
  connection: Connection;
  /**
   * Lets the user pick capture files and starts one ingest job for all of them.
   * Resolves null when the user cancels the picker; rejects with `{name, message}`.
   * With `files` (dropped on the page) no picker opens: those files are ingested, by
   * upload on the web and through the preload's drop grant in Electron.
   */
  importCaptures(onStage?: ImportStage, files?: File[]): Promise<JobSnapshot | null>;
}

/** What the Electron preload exposes on `window.portolan`. */
export type PreloadApi = PortolanApi & {
  ingest: PortolanApi['ingest'] & { choose(): Promise<JobSnapshot | null>; drop(files: File[]): Promise<JobSnapshot> };
};
