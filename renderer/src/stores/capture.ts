/**
 * Capture store: the interfaces this machine offers (or why it cannot capture), the
 * analyst's protocol choice and saved profiles, and the live capture this window runs,
 * with its counters, a packet-rate history and the services it saw first.
 * Pure helpers are exported for tests without Vue.
 */
import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, watch } from 'vue';
import {
  APP_PROTOCOL_IDS,
  parseIgnore,
  splitList,
  toErrorInfo,
  type AppProtocol,
  type CaptureInterfaces,
  type CaptureProfile,
  type CaptureSelectionInput,
  type CompiledFilter,
  type ErrorInfo,
  type FoundService,
  type JobSnapshot,
  type ServiceRow,
  type Transport,
} from '../../../electron/shared';
import { isFinal } from '../lib/jobs';
import { usePlatform } from '../platform/inject';
import { useJobsStore } from './jobs';

/** Rate samples kept for the chart (one per progress event, ≤ 10 a second). */
export const RATE_SAMPLES = 120;

export interface RatePoint {
  atMs: number;
  packets: number;
}

/** The span the live "Packets / s" is measured over: recent, but long enough not to spike. */
export const RATE_WINDOW_MS = 2000;

/**
 * Packets per second at each point, over the `windowMs` before it (never less than one
 * second, so two progress events a few milliseconds apart — a burst flushed at once —
 * do not read as thousands a second). Newest last; one value per point after the first.
 */
export function windowRates(points: RatePoint[], windowMs = RATE_WINDOW_MS): number[] {
  const out: number[] = [];
  let from = 0;
  for (let i = 1; i < points.length; i++) {
    const p = points[i]!;
    while (from < i - 1 && p.atMs - points[from + 1]!.atMs >= windowMs) from++;
    const base = points[from]!;
    const dt = Math.max(1000, p.atMs - base.atMs) / 1000;
    out.push(Math.max(0, (p.packets - base.packets) / dt));
  }
  return out;
}

/** Packets per second between consecutive points, newest last. */
export function ratesFrom(points: RatePoint[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const dt = (points[i]!.atMs - points[i - 1]!.atMs) / 1000;
    out.push(dt > 0 ? Math.max(0, (points[i]!.packets - points[i - 1]!.packets) / dt) : 0);
  }
  return out;
}

/** An SVG polyline path for `values` in a w×h box (0 at the bottom); '' for fewer than two. */
export function sparkline(values: number[], w: number, h: number): string {
  if (values.length < 2) return '';
  const max = Math.max(1, ...values);
  const step = w / (values.length - 1);
  return values.map((v, i) => `${i ? 'L' : 'M'}${(i * step).toFixed(1)},${(h - (v / max) * h).toFixed(1)}`).join(' ');
}

/** Services kept in the view's list (the counter counts them all; the Inventory has them). */
export const FOUND_LIMIT = 500;

const keyOf = (s: { host: string; proto: string; port: number }): string => `${s.host}|${s.proto}|${s.port}`;

/**
 * The services a capture stored first, from the inventory rows stored since it started:
 * once the capture's id is known (its job's result), every row with evidence from it;
 * while it runs, the rows the engine reported as found. Either way each row carries its
 * evidence and its status, so a service a rule approved or ignored on sight is listed
 * too: the list and the "New services" counter count the same services.
 */
export function pickFound(rows: ServiceRow[], early: FoundService[], captureId: number | null): ServiceRow[] {
  if (captureId !== null) {
    const label = `capture:${captureId}`;
    return rows.filter((r) => r.sources.includes(label));
  }
  const keys = new Set(early.map(keyOf));
  return rows.filter((r) => keys.has(keyOf(r)));
}

/** Ignore entries the engine would refuse, to show before anything is sent. */
export function badIgnoreEntries(text: string): string[] {
  return splitList(text).filter((e) => !parseIgnore(e));
}

export const useCaptureStore = defineStore('capture', () => {
  const { api } = usePlatform();
  const jobs = useJobsStore();

  const interfaces = ref<CaptureInterfaces | null>(null);
  const interfacesError = ref<ErrorInfo | null>(null);
  const loadingInterfaces = ref(false);
  const iface = ref('');
  const durationS = ref<number | null>(null);
  const transports = ref<Transport[]>([]);
  const apps = ref<AppProtocol[]>([]);
  const ignoreText = ref('');
  const profiles = ref<CaptureProfile[]>([]);
  const profileName = ref('');
  const preview = ref<CompiledFilter | null>(null);
  const previewError = ref<ErrorInfo | null>(null);
  const error = ref<ErrorInfo | null>(null);
  const jobId = ref<string | null>(null);
  /** Services this capture stored first (see pickFound), newest first. */
  const found = ref<ServiceRow[]>([]);
  const points = ref<RatePoint[]>([]);
  const starting = ref(false);

  const ignoreProblems = computed(() => badIgnoreEntries(ignoreText.value));
  const selection = computed<CaptureSelectionInput>(() => ({ transports: [...transports.value], apps: [...apps.value], ignore: splitList(ignoreText.value) }));
  const job = computed<JobSnapshot | null>(() => (jobId.value ? (jobs.byId[jobId.value] ?? null) : null));
  const running = computed(() => !!job.value && !isFinal(job.value.status));
  const counters = computed<Record<string, number>>(() => job.value?.progress?.counters ?? {});
  const rates = computed(() => windowRates(points.value));
  const canStart = computed(() => !!interfaces.value?.ok && !!iface.value && !running.value && !starting.value && ignoreProblems.value.length === 0);

  async function loadInterfaces(): Promise<void> {
    loadingInterfaces.value = true;
    try {
      interfaces.value = await api.capture.interfaces();
      interfacesError.value = null;
      const names = interfaces.value.interfaces.map((i) => i.name);
      if (!names.includes(iface.value)) iface.value = names.find((n) => n !== 'any' && !interfaces.value!.interfaces.find((i) => i.name === n)?.loopback) ?? names[0] ?? '';
    } catch (err) {
      interfacesError.value = toErrorInfo(err);
    } finally {
      loadingInterfaces.value = false;
    }
  }

  async function refreshPreview(): Promise<void> {
    if (ignoreProblems.value.length) {
      preview.value = null;
      previewError.value = { name: 'InvalidInput', message: `not a port, range, address or subnet: ${ignoreProblems.value.join(', ')}` };
      return;
    }
    try {
      preview.value = await api.capture.compile(selection.value);
      previewError.value = null;
    } catch (err) {
      preview.value = null;
      previewError.value = toErrorInfo(err);
    }
  }

  async function loadProfiles(): Promise<void> {
    try {
      profiles.value = await api.capture.profiles.list();
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  function applyProfile(name: string): void {
    const p = profiles.value.find((x) => x.name === name);
    if (!p) return;
    profileName.value = p.name;
    transports.value = [...p.selection.transports];
    apps.value = p.selection.apps.filter((a): a is AppProtocol => (APP_PROTOCOL_IDS as string[]).includes(a));
    ignoreText.value = p.selection.ignore.join(', ');
  }

  async function saveProfile(): Promise<void> {
    const name = profileName.value.trim();
    if (!name) return;
    try {
      await api.capture.profiles.save(name, selection.value);
      await loadProfiles();
      error.value = null;
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  async function deleteProfile(name: string): Promise<void> {
    try {
      await api.capture.profiles.remove(name);
      await loadProfiles();
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  async function start(): Promise<void> {
    if (!canStart.value) return;
    starting.value = true;
    error.value = null;
    try {
      const snap = await api.capture.start({
        interface: iface.value,
        ...(durationS.value ? { durationS: durationS.value } : {}),
        selection: selection.value,
        ...(profileName.value.trim() ? { profile: profileName.value.trim() } : {}),
      });
      // Not `track`: the import panel follows the last import; this view shows the capture.
      jobs.upsert(snap);
      jobId.value = snap.id;
      found.value = [];
      foundFinal.value = false;
      points.value = [];
    } catch (err) {
      error.value = toErrorInfo(err);
    } finally {
      starting.value = false;
    }
  }

  async function stop(): Promise<void> {
    if (!jobId.value) return;
    try {
      jobs.upsert(await api.capture.stop(jobId.value));
    } catch (err) {
      error.value = toErrorInfo(err);
    }
  }

  let lastNew = -1;
  /** Answers of earlier refreshes that arrive late must not replace a newer one's. */
  let refreshSeq = 0;
  /** Whether `found` reflects the job's final state (the list then says "none found"). */
  const foundFinal = ref(false);
  async function refreshFound(): Promise<void> {
    const j = job.value;
    if (!j) return;
    const seq = ++refreshSeq;
    const final = isFinal(j.status);
    try {
      const captureId = typeof j.result?.captureId === 'number' ? j.result.captureId : null;
      const [early, page] = await Promise.all([
        captureId === null ? api.capture.found(j.id) : Promise.resolve([]),
        api.services.list({ status: 'all', since: j.startedAt, sort: 'firstSeen', dir: 'desc', limit: FOUND_LIMIT }),
      ]);
      if (jobId.value === j.id && seq === refreshSeq) {
        found.value = pickFound(page.rows, early, captureId);
        foundFinal.value = final;
      }
    } catch (err) {
      if (seq === refreshSeq) error.value = toErrorInfo(err);
    }
  }

  // Each progress event of our capture adds a rate point; new services are fetched when the count moves.
  const stopWatch = watch(job, (j) => {
    if (!j) return;
    const packets = j.progress?.counters?.packets;
    // Only while it runs: the final event repeats (or flushes) counts at once, which is no rate.
    if (typeof packets === 'number' && !isFinal(j.status)) {
      points.value = [...points.value, { atMs: Date.now(), packets }].slice(-RATE_SAMPLES - 1);
    }
    const n = j.progress?.counters?.newServices ?? 0;
    if (n !== lastNew || isFinal(j.status)) {
      lastNew = n;
      void refreshFound();
    }
  });
  onScopeDispose(stopWatch);

  return {
    interfaces,
    interfacesError,
    loadingInterfaces,
    iface,
    durationS,
    transports,
    apps,
    ignoreText,
    ignoreProblems,
    profiles,
    profileName,
    preview,
    previewError,
    error,
    jobId,
    job,
    running,
    counters,
    rates,
    found,
    foundFinal,
    canStart,
    starting,
    selection,
    loadInterfaces,
    refreshPreview,
    loadProfiles,
    applyProfile,
    saveProfile,
    deleteProfile,
    start,
    stop,
    refreshFound,
  };
});
