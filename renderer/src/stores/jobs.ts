/**
 * Jobs store: every job the engine reported, by id, kept current from `job.updated`
 * events and `jobs.list`. The job this window started last is remembered so its panel
 * stays visible when the analyst switches views.
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref } from 'vue';
import { toErrorInfo, type ErrorInfo, type JobSnapshot } from '../../../electron/shared';
import { byNewest, isFinal, shouldReplace } from '../lib/jobs';
import { usePlatform } from '../platform/inject';

export const useJobsStore = defineStore('jobs', () => {
  const { api, connection } = usePlatform();

  const byId = ref<Record<string, JobSnapshot>>({});
  const lastStartedId = ref<string | null>(null);
  const error = ref<ErrorInfo | null>(null);

  const list = computed(() => Object.values(byId.value).sort(byNewest));
  const active = computed(() => list.value.filter((j) => !isFinal(j.status)));
  const lastStarted = computed(() => (lastStartedId.value ? (byId.value[lastStartedId.value] ?? null) : null));

  function upsert(job: JobSnapshot): void {
    if (shouldReplace(byId.value[job.id], job)) byId.value[job.id] = job;
  }

  /** Records a job this window started and puts it in the spotlight. */
  function track(job: JobSnapshot): void {
    upsert(job);
    lastStartedId.value = job.id;
  }

  function dismiss(): void {
    lastStartedId.value = null;
  }

  async function refresh(): Promise<void> {
    try {
      for (const job of await api.jobs.list()) upsert(job);
      error.value = null;
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  /** Asks the engine to stop a job; the final state arrives as a `job.updated` event too. */
  async function cancel(id: string): Promise<void> {
    try {
      upsert(await api.jobs.cancel(id));
      error.value = null;
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  const offs = [
    api.on('job.updated', upsert),
    connection.onChange((state) => {
      if (state === 'open') void refresh();
    }),
  ];
  onScopeDispose(() => offs.forEach((off) => off()));

  return { byId, list, active, lastStarted, lastStartedId, error, upsert, track, dismiss, refresh, cancel };
});
