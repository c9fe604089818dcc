/**
 * Snapshots store: the list (with each seal's status, checked by the engine), taking a
 * snapshot, comparing two, and fetching exports. Exports travel through the contract as
 * data (text, or base64 for PDF), so the same code works over Electron IPC and over the
 * served UI's WebSocket; the component turns them into a file download.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { toErrorInfo, type ErrorInfo, type ExportFormat, type SnapshotDiff, type SnapshotExport, type SnapshotSummary, type SnapshotTake } from '../../../electron/shared';
import { usePlatform } from '../platform/inject';

export const useSnapshotsStore = defineStore('snapshots', () => {
  const { api } = usePlatform();

  const list = shallowRef<SnapshotSummary[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<ErrorInfo | null>(null);
  const taking = ref(false);
  const takeError = ref<ErrorInfo | null>(null);
  const diff = shallowRef<SnapshotDiff | null>(null);
  const diffError = ref<ErrorInfo | null>(null);
  /** The report shown in the view: snapshot id and its HTML. */
  const report = shallowRef<{ id: number; html: string } | null>(null);
  const exportError = ref<ErrorInfo | null>(null);
  const busyExport = ref<string | null>(null);

  async function reload(): Promise<void> {
    loading.value = true;
    try {
      list.value = await api.snapshots.list();
      error.value = null;
      loaded.value = true;
    } catch (err) {
      error.value = toErrorInfo(err);
    } finally {
      loading.value = false;
    }
  }

  /** Takes and seals a snapshot; resolves with it, or null when the engine refused. */
  async function take(input: SnapshotTake): Promise<SnapshotSummary | null> {
    taking.value = true;
    try {
      const s = await api.snapshots.take(input);
      takeError.value = null;
      await reload();
      return s;
    } catch (err) {
      takeError.value = toErrorInfo(err);
      return null;
    } finally {
      taking.value = false;
    }
  }

  async function compare(a: number, b: number): Promise<void> {
    try {
      diff.value = await api.snapshots.diff(a, b);
      diffError.value = null;
    } catch (err) {
      diff.value = null;
      diffError.value = toErrorInfo(err);
    }
  }

  async function fetchExport(id: number, format: ExportFormat): Promise<SnapshotExport | null> {
    busyExport.value = `${id}:${format}`;
    try {
      const e = await api.snapshots.export(id, format);
      exportError.value = null;
      return e;
    } catch (err) {
      exportError.value = toErrorInfo(err);
      return null;
    } finally {
      busyExport.value = null;
    }
  }

  async function openReport(id: number): Promise<void> {
    const e = await fetchExport(id, 'html');
    if (e) report.value = { id, html: e.data };
  }

  function closeReport(): void {
    report.value = null;
  }

  return { list, loading, loaded, error, taking, takeError, diff, diffError, report, exportError, busyExport, reload, take, compare, fetchExport, openReport, closeReport };
});
