/**
 * The "Import capture file" action: asks the platform for files (native dialog in
 * Electron, picker + upload on the web), then hands the job to the jobs store. Errors
 * before the job exists (upload refused, dialog failed) are kept here and shown.
 */
import { storeToRefs } from 'pinia';
import { ref } from 'vue';
import { toErrorInfo, type ErrorInfo } from '../../../electron/shared';
import { usePlatform } from '../platform/inject';
import { useJobsStore } from '../stores/jobs';

export function useImportCapture() {
  const platform = usePlatform();
  const jobs = useJobsStore();
  const { lastStarted, error: cancelError } = storeToRefs(jobs);

  const busy = ref(false);
  const stage = ref<string | null>(null);
  const error = ref<ErrorInfo | null>(null);

  async function start(): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    stage.value = platform.kind === 'electron' ? 'Choosing files…' : null;
    try {
      const job = await platform.importCaptures((message) => (stage.value = message));
      if (job) jobs.track(job);
    } catch (err) {
      error.value = toErrorInfo(err);
    } finally {
      busy.value = false;
      stage.value = null;
    }
  }

  return {
    busy,
    stage,
    error,
    job: lastStarted,
    start,
    cancel: (id: string) => jobs.cancel(id),
    dismiss: () => jobs.dismiss(),
    cancelError,
  };
}
