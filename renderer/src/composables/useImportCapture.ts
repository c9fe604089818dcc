/**
 * Importing capture files, picked or dropped: asks the platform for files (native dialog
 * in Electron, picker + upload on the web) or takes the files dropped on the page, then
 * hands the job to the jobs store. Errors before the job exists (upload refused, dialog
 * failed, a drop the preload did not see) are kept here and shown, and so are dropped
 * files that are not captures.
 */
import { storeToRefs } from 'pinia';
import { ref } from 'vue';
import { CAPTURE_EXTENSIONS, isCaptureFileName, toErrorInfo, type ErrorInfo } from '../../../electron/shared';
import { usePlatform } from '../platform/inject';
import { useJobsStore } from '../stores/jobs';

/** Dropped files split by name: captures to ingest, and the names of the others. */
export function sortDropped<F extends { name: string }>(files: readonly F[]): { accepted: F[]; rejected: string[] } {
  const accepted: F[] = [];
  const rejected: string[] = [];
  for (const f of files) {
    if (isCaptureFileName(f.name)) accepted.push(f);
    else rejected.push(f.name || 'a file without a name');
  }
  return { accepted, rejected };
}

/** "notes.txt is not a capture file (…); it was not imported." in words, for one or several. */
export function rejectionLine(names: readonly string[]): string {
  const kinds = CAPTURE_EXTENSIONS.join(', ');
  if (names.length === 1) return `${names[0]} is not a capture file (${kinds}); it was not imported.`;
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return `${names.length} files are not capture files (${kinds}) and were not imported: ${shown}.`;
}

export function useImportCapture() {
  const platform = usePlatform();
  const jobs = useJobsStore();
  const { lastStarted, error: cancelError } = storeToRefs(jobs);

  const busy = ref(false);
  const stage = ref<string | null>(null);
  const error = ref<ErrorInfo | null>(null);
  const rejected = ref<string | null>(null);

  async function run(files?: File[]): Promise<void> {
    busy.value = true;
    error.value = null;
    stage.value = platform.kind === 'electron' && !files ? 'Choosing files…' : null;
    try {
      const job = await platform.importCaptures((message) => (stage.value = message), files);
      if (job) jobs.track(job);
    } catch (err) {
      error.value = toErrorInfo(err);
    } finally {
      busy.value = false;
      stage.value = null;
    }
  }

  /** The picker ("Import capture file…"). */
  async function start(): Promise<void> {
    if (busy.value) return;
    rejected.value = null;
    await run();
  }

  /** Files dropped on the drop zone: captures make one ingest job, others are named and left. */
  async function drop(files: File[]): Promise<void> {
    const { accepted, rejected: others } = sortDropped(files);
    rejected.value = others.length ? rejectionLine(others) : null;
    if (!accepted.length) return;
    if (busy.value) {
      error.value = { name: 'Busy', message: 'an import is still being started; drop the files again when it has begun' };
      return;
    }
    await run(accepted);
  }

  return {
    busy,
    stage,
    error,
    rejected,
    job: lastStarted,
    start,
    drop,
    cancel: (id: string) => jobs.cancel(id),
    dismiss: () => jobs.dismiss(),
    cancelError,
  };
}
