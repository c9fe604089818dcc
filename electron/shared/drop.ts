/**
 * Files dropped on the desktop window (Electron only; in the browser a dropped file is
 * uploaded like a picked one). What the preload may ask main to grant and ingest: paths of
 * capture files, whole and absolute, a few at a time. main checks this schema, then that
 * each path is absolute for this OS, before adding them to the granted set.
 */
import { z } from './zod';
import { isCaptureFileName } from './api';

/** Most files one drop may ingest: a drop is a handful of files, not a folder tree. */
export const MAX_DROPPED_FILES = 100;

export const IngestDropped = z
  .object({
    paths: z
      .array(
        z
          .string()
          .min(2)
          .max(4096)
          .refine((p) => !p.includes('\0'), 'a path cannot hold a NUL character')
          .refine((p) => /^([\\/]|[A-Za-z]:[\\/])/.test(p), 'not an absolute path')
          .refine(isCaptureFileName, 'not a capture file name (.pcap, .pcapng, .cap, .dmp)'),
      )
      .min(1)
      .max(MAX_DROPPED_FILES),
  })
  .strict();
export type IngestDropped = z.infer<typeof IngestDropped>;
