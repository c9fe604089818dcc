/**
 * Scan store: the form's fields, the live estimate (addresses × ports, from the engine,
 * no DNS and no traffic), the running sweep (progress, open ports as they are stored),
 * pause / resume / cancel, and the run history. A sweep starts only from `start()`,
 * which only the form's button calls.
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, watch } from 'vue';
import { toErrorInfo, type ErrorInfo, type JobSnapshot, type ScanEstimate, type ScanProfileName, type ScanProgress, type ScanResultRow, type ScanRun } from '../../../electron/shared';
import { canStart, LIMITS, loadProfiles, parseLimit, portSpecFor, saveProfiles, type PortPreset, type SavedProfile } from '../components/scan/scanForm';
import { byNewest, isFinal } from '../lib/jobs';
import { usePlatform } from '../platform/inject';
import { useJobsStore } from './jobs';

const ESTIMATE_DELAY_MS = 200;
/** The run history follows a running sweep at most this often (and at once when it ends). */
const RUNS_REFRESH_MS = 1000;
const LIVE_ROWS_MAX = 5000;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export const useScanStore = defineStore('scan', () => {
  const { api, connection } = usePlatform();
  const jobs = useJobsStore();

  // The form. Empty until the analyst types: nothing is ever proposed.
  const targets = ref('');
  const excludes = ref('');
  const preset = ref<PortPreset>('top100');
  const customPorts = ref('');
  const profile = ref<ScanProfileName>('normal');
  /** The number fields as typed; empty means the profile's default, anything unreadable is an error. */
  const timeoutText = ref('');
  const rateText = ref('');
  const timeoutField = computed(() => parseLimit(timeoutText.value, LIMITS.timeoutMs));
  const rateField = computed(() => parseLimit(rateText.value, LIMITS.rate));
  const timeoutMs = computed(() => timeoutField.value.value);
  const rate = computed(() => rateField.value.value);
  const fieldsValid = computed(() => timeoutField.value.error === null && rateField.value.error === null);
  const ports = computed(() => portSpecFor(preset.value, customPorts.value));

  const estimate = ref<ScanEstimate | null>(null);
  const estimating = ref(false);
  const error = ref<ErrorInfo | null>(null);
  const needsConfirm = ref(false);

  const jobId = ref<string | null>(null);
  const scanId = ref<number | null>(null);
  const progress = ref<ScanProgress | null>(null);
  const liveRows = ref<ScanResultRow[]>([]);
  const starting = ref(false);
  const running = computed(() => jobId.value !== null && !(progress.value?.final ?? false));

  const runs = ref<ScanRun[]>([]);
  const viewedRunId = ref<number | null>(null);
  const viewedRows = ref<ScanResultRow[]>([]);
  const profiles = ref<SavedProfile[]>(loadProfiles(storage()));

  const startable = computed(() => !running.value && !starting.value && fieldsValid.value && canStart(targets.value, ports.value, estimate.value));

  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  /**
   * Every edit makes any estimate on its way stale: `seq` moves on at once, so a late
   * answer for the old text neither overwrites the estimate nor ends "counting…" for the
   * new one. Emptied targets return the estimate to its empty state (no count, no spinner).
   */
  function scheduleEstimate(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    seq++;
    needsConfirm.value = false;
    if (!targets.value.trim()) {
      estimate.value = null;
      estimating.value = false;
      return;
    }
    estimating.value = true;
    timer = setTimeout(() => {
      timer = undefined;
      void refreshEstimate();
    }, ESTIMATE_DELAY_MS);
  }

  async function refreshEstimate(): Promise<void> {
    const mine = ++seq;
    const input = { targets: targets.value, excludes: excludes.value, ports: ports.value };
    if (!input.targets.trim()) {
      estimate.value = null;
      estimating.value = false;
      return;
    }
    estimating.value = true;
    try {
      const e = await api.scan.estimate(input);
      if (mine === seq) estimate.value = e;
    } catch (err) {
      if (mine === seq) error.value = toErrorInfo(err);
    } finally {
      if (mine === seq) estimating.value = false;
    }
  }
  watch([targets, excludes, ports], scheduleEstimate);

  /** Starts the sweep the form describes. A large one needs `confirmLarge` (the dialog). */
  async function start(confirmLarge = false): Promise<boolean> {
    // A double click or a second submit while the first is on its way starts nothing more.
    if (starting.value || running.value) return false;
    // A field the form marks invalid never turns into "the profile's default" on the way.
    if (!fieldsValid.value) return false;
    error.value = null;
    if (estimate.value?.large && !confirmLarge) {
      needsConfirm.value = true;
      return false;
    }
    starting.value = true;
    try {
      const started = await api.scan.start({
        targets: targets.value,
        excludes: excludes.value,
        ports: ports.value,
        profile: profile.value,
        ...(timeoutMs.value !== null ? { timeoutMs: timeoutMs.value } : {}),
        ...(rate.value !== null ? { rate: rate.value } : {}),
        confirmLarge,
      });
      needsConfirm.value = false;
      jobId.value = started.jobId;
      scanId.value = started.scanId;
      progress.value = null;
      liveRows.value = [];
      viewedRunId.value = null;
      void loadRuns();
      return true;
    } catch (err) {
      const info = toErrorInfo(err);
      if (info.name === 'ConfirmationRequired') needsConfirm.value = true;
      else error.value = info;
      return false;
    } finally {
      starting.value = false;
    }
  }

  async function act(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
      error.value = null;
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }
  const pause = (): Promise<void> => act(async () => jobId.value && (progress.value = await api.scan.pause(jobId.value)));
  const resume = (): Promise<void> => act(async () => jobId.value && (progress.value = await api.scan.resume(jobId.value)));
  const cancel = (): Promise<void> => act(async () => jobId.value && api.jobs.cancel(jobId.value));

  let runsSeq = 0;
  let runsAt = 0;
  let runsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Reloads the run history; an answer overtaken by a later reload is dropped. */
  async function loadRuns(): Promise<void> {
    if (runsTimer) clearTimeout(runsTimer);
    runsTimer = undefined;
    const mine = ++runsSeq;
    runsAt = Date.now();
    try {
      const list = await api.scan.runs(50);
      if (mine === runsSeq) runs.value = list;
    } catch (err) {
      if (mine === runsSeq) error.value = toErrorInfo(err);
    }
  }

  /** Reloads the run history soon: at most once a `RUNS_REFRESH_MS` while a sweep reports. */
  function loadRunsSoon(): void {
    if (runsTimer) return;
    runsTimer = setTimeout(() => {
      runsTimer = undefined;
      void loadRuns();
    }, Math.max(0, runsAt + RUNS_REFRESH_MS - Date.now()));
  }

  /** Shows a past run's results (every state when `all`). */
  async function viewRun(id: number, state: 'open' | 'all' = 'open'): Promise<void> {
    viewedRunId.value = id;
    await act(async () => (viewedRows.value = await api.scan.results({ scanId: id, state, limit: 10_000 })));
  }

  function saveProfile(name: string): void {
    if (!fieldsValid.value) return;
    const p: SavedProfile = { name: name.trim().slice(0, 60), preset: preset.value, customPorts: customPorts.value, profile: profile.value, timeoutMs: timeoutMs.value, rate: rate.value };
    if (!p.name) return;
    profiles.value = [...profiles.value.filter((x) => x.name !== p.name), p];
    saveProfiles(storage(), profiles.value);
  }

  function applyProfile(name: string): void {
    const p = profiles.value.find((x) => x.name === name);
    if (!p) return;
    preset.value = p.preset;
    customPorts.value = p.customPorts;
    profile.value = p.profile;
    timeoutText.value = p.timeoutMs === null ? '' : String(p.timeoutMs);
    rateText.value = p.rate === null ? '' : String(p.rate);
  }

  /**
   * Finds a sweep still running in the engine that this window does not follow (the page
   * was reloaded, the connection came back, or another window started it) and follows
   * it: its job, its run, the open ports stored so far, then the live events, so Pause,
   * Resume and Cancel work again and the run history keeps up until it ends. Called when
   * the view opens and whenever the connection (re)opens.
   */
  let attachSeq = 0;
  async function attach(): Promise<void> {
    const mine = ++attachSeq;
    const before = jobId.value;
    const stale = (): boolean => mine !== attachSeq || starting.value || jobId.value !== before;
    try {
      const list = await api.jobs.list();
      for (const j of list) jobs.upsert(j);
      const live = list.filter((j) => j.kind === 'scan' && !isFinal(j.status)).sort(byNewest);
      // Already following a sweep that still runs (or this one): nothing to do.
      if (stale() || !live.length || live.some((j) => j.id === jobId.value)) return;
      const job: JobSnapshot = live[0]!;
      const history = await api.scan.runs(50);
      if (stale()) return;
      runs.value = history;
      const run = history.find((r) => r.jobId === job.id);
      if (!run) return;
      jobId.value = job.id;
      scanId.value = run.id;
      progress.value = null;
      liveRows.value = [];
      viewedRunId.value = null;
      needsConfirm.value = false;
      // What was stored before this window joined, then whatever arrived meanwhile.
      const [open, errors] = await Promise.all([
        api.scan.results({ scanId: run.id, state: 'open', limit: LIVE_ROWS_MAX }),
        api.scan.results({ scanId: run.id, state: 'error', limit: LIVE_ROWS_MAX }),
      ]);
      if (jobId.value !== job.id) return;
      const stored = [...open, ...errors];
      const seen = new Set(stored.map((r) => `${r.host}|${r.port}`));
      const next = stored.concat(liveRows.value.filter((r) => !seen.has(`${r.host}|${r.port}`)));
      liveRows.value = next.length > LIVE_ROWS_MAX ? next.slice(-LIVE_ROWS_MAX) : next;
    } catch (err) {
      if (mine === attachSeq) error.value = toErrorInfo(err);
    }
  }

  const offs = [
    connection.onChange((state) => {
      if (state === 'open') void attach();
    }),
    api.on('scan.progress', (p) => {
      if (p.jobId !== jobId.value) return;
      progress.value = p;
      if (p.final) void loadRuns();
      else loadRunsSoon();
    }),
    api.on('scan.results', (b) => {
      if (b.jobId !== jobId.value) return;
      const next = liveRows.value.concat(b.rows);
      liveRows.value = next.length > LIVE_ROWS_MAX ? next.slice(-LIVE_ROWS_MAX) : next;
    }),
  ];
  onScopeDispose(() => {
    offs.forEach((off) => off());
    if (timer) clearTimeout(timer);
    if (runsTimer) clearTimeout(runsTimer);
  });

  return {
    targets, excludes, preset, customPorts, profile, timeoutText, rateText, timeoutField, rateField, timeoutMs, rate, ports,
    estimate, estimating, error, needsConfirm, startable,
    jobId, scanId, progress, liveRows, running,
    runs, viewedRunId, viewedRows, profiles,
    start, pause, resume, cancel, attach, loadRuns, viewRun, refreshEstimate, saveProfile, applyProfile,
  };
});
