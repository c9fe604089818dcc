/**
 * What the progress panel of a sweep shows, from two sources that can each arrive late
 * or not at all: the scanner's own `scan.progress` events (fast, with counts by state)
 * and the job's snapshot (`job.updated`, and `jobs.list` after a reconnect), which is the
 * engine's final word on how the sweep ended. A sweep is over when either says so, so a
 * missed last event never leaves the bar part-filled and the form locked. Pure, tested
 * without Vue.
 */
import type { JobSnapshot, ScanProgress, ScanRun } from '../../../../electron/shared';
import { formatCount } from '../../lib/format';
import { formatEta } from './scanForm';

/**
 * - `starting`: started, nothing reported yet;
 * - `running` / `paused`: probes going out (or held back by Pause);
 * - `stopping`: the scanner has stopped short of the total and the job has not yet said
 *   why (a moment between the last progress event and the job's final snapshot);
 * - `complete`: every probe answered or timed out;
 * - `cancelled`, `failed`, `interrupted`: ended early; what was found is stored.
 */
export type ScanPhase = 'starting' | 'running' | 'paused' | 'stopping' | 'complete' | 'cancelled' | 'failed' | 'interrupted';

export const FINAL_PHASES: readonly ScanPhase[] = ['complete', 'cancelled', 'failed', 'interrupted'];

export interface ScanCounts {
  done: number;
  total: number;
  open: number;
  closed: number;
  filtered: number;
  errors: number;
}

export interface ScanStatus {
  phase: ScanPhase;
  final: boolean;
  counts: ScanCounts | null;
  /** `<progress>` value and max; both undefined while nothing is known (indeterminate). */
  bar: { value: number | undefined; max: number | undefined };
  /** Seconds from start to end, when the job has ended. */
  seconds: number | null;
}

const JOB_PHASE: Record<JobSnapshot['status'], ScanPhase | null> = {
  queued: null,
  running: null,
  done: 'complete',
  cancelled: 'cancelled',
  failed: 'failed',
  interrupted: 'interrupted',
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Counts from whichever source knows more: the job's result once it has one, else the live progress. */
function countsOf(progress: ScanProgress | null, job: JobSnapshot | null): ScanCounts | null {
  const r = job?.result;
  const jp = job?.progress;
  const live: ScanCounts | null = progress ? { done: progress.done, total: progress.total, open: progress.open, closed: progress.closed, filtered: progress.filtered, errors: progress.errors } : null;
  if (r && num(r.probes) !== null) {
    const total = jp?.total ?? live?.total ?? num(r.probes)!;
    return { done: num(r.probes)!, total, open: num(r.open) ?? 0, closed: num(r.closed) ?? 0, filtered: num(r.filtered) ?? 0, errors: num(r.errors) ?? 0 };
  }
  if (jp && jp.total !== null && (!live || jp.done > live.done)) {
    return { done: jp.done, total: jp.total, open: live?.open ?? 0, closed: live?.closed ?? 0, filtered: live?.filtered ?? 0, errors: live?.errors ?? 0 };
  }
  return live;
}

export function scanStatus(progress: ScanProgress | null, job: JobSnapshot | null): ScanStatus {
  const counts = countsOf(progress, job);
  const fromJob = job ? JOB_PHASE[job.status] : null;
  let phase: ScanPhase;
  if (fromJob) phase = fromJob;
  else if (progress?.final) phase = progress.done >= progress.total ? 'complete' : 'stopping';
  else if (progress?.paused) phase = 'paused';
  else if (progress || job?.progress) phase = 'running';
  else phase = 'starting';
  const final = FINAL_PHASES.includes(phase);

  let bar: ScanStatus['bar'];
  if (phase === 'complete') {
    // Complete means every probe is done: the bar ends full, whatever the last event said.
    const max = Math.max(counts?.total ?? 0, 1);
    bar = { value: max, max };
  } else if (counts) bar = { value: Math.min(counts.done, counts.total), max: Math.max(counts.total, 1) };
  else bar = { value: undefined, max: undefined };

  const started = job ? Date.parse(job.startedAt) : NaN;
  const ended = job?.endedAt ? Date.parse(job.endedAt) : NaN;
  const seconds = Number.isNaN(started) || Number.isNaN(ended) ? null : Math.max(0, (ended - started) / 1000);
  return { phase, final, counts, bar, seconds };
}

/** "40 ms", "2.4 s", "12 s", "3 min 05 s". */
export function formatDuration(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  return s < 10 ? `${s.toFixed(1)} s` : formatEta(Math.round(s));
}

const HEADLINE: Record<ScanPhase, string> = {
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  stopping: 'Stopping',
  complete: 'Complete',
  cancelled: 'Cancelled',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

export function phaseLabel(phase: ScanPhase): string {
  return HEADLINE[phase];
}

/** "1 open · 1 closed · 0 filtered", with errors only when there are some. */
export function stateCounts(c: ScanCounts): string {
  return `${formatCount(c.open)} open · ${formatCount(c.closed)} closed · ${formatCount(c.filtered)} filtered${c.errors ? ` · ${formatCount(c.errors)} errors` : ''}`;
}

/**
 * The one-line summary of a sweep that has ended:
 * "Complete: 2 / 2 probes in 0.4 s · 1 open · 1 closed · 0 filtered";
 * "Cancelled after 1,234 / 65,535 probes (12 s) · … — what was found is kept".
 */
export function finalSummary(s: ScanStatus): string {
  const c = s.counts;
  const took = s.seconds === null ? '' : s.phase === 'complete' ? ` in ${formatDuration(s.seconds)}` : ` (${formatDuration(s.seconds)})`;
  if (!c) return `${phaseLabel(s.phase)}${took}`;
  const probes = `${formatCount(c.done)} / ${formatCount(c.total)} probes`;
  if (s.phase === 'complete') return `Complete: ${probes}${took} · ${stateCounts(c)}`;
  return `${phaseLabel(s.phase)} after ${probes}${took} · ${stateCounts(c)} — what was found is kept`;
}

/** The badge of a sweep that has ended: the same word as its summary ("complete", "cancelled", …). */
export function finalBadge(phase: ScanPhase): string {
  return phaseLabel(phase).toLowerCase();
}

/** Why an incomplete run stopped, when this window knows (its job's final status). */
export type StopReason = 'cancelled' | 'failed' | 'interrupted';

const STOP_REASONS: readonly string[] = ['cancelled', 'failed', 'interrupted'];

export function stopReason(status: string | null | undefined): StopReason | null {
  return status && STOP_REASONS.includes(status) ? (status as StopReason) : null;
}

/** A row of the run history as shown: the stored status word, refined by what is known live. */
export interface RunLine {
  /** The status word shown: "running", "paused", "complete", "incomplete (cancelled)", … */
  word: string;
  /** The word with the probes done / total when the run is not complete. */
  text: string;
  /** The full explanation, for a title attribute. */
  title: string;
  counts: { done: number; total: number; open: number; closed: number; filtered: number };
}

/**
 * What the run history shows for `run`. The stored row is refreshed from the engine now
 * and then; the sweep this window follows (`live`, its scan id and status) is fresher, so
 * while the stored row still says "running" its counts and word follow the live status
 * (paused, stopping, or how it ended). An incomplete run whose job is known says why it
 * stopped, the same word as the progress panel's badge: "incomplete (cancelled)".
 */
export function runLine(
  run: Pick<ScanRun, 'id' | 'status' | 'probesDone' | 'probesTotal' | 'open' | 'closed' | 'filtered'>,
  live: { scanId: number | null; status: ScanStatus | null },
  jobStatus: string | null = null,
): RunLine {
  const current = live.scanId === run.id ? live.status : null;
  let counts = { done: run.probesDone, total: run.probesTotal, open: run.open, closed: run.closed, filtered: run.filtered };
  let word = run.status;
  const reason = stopReason(jobStatus) ?? (current ? stopReason(current.phase) : null);
  if (run.status === 'running' && current) {
    const c = current.counts;
    if (c && c.done >= counts.done) counts = { done: c.done, total: c.total || counts.total, open: c.open, closed: c.closed, filtered: c.filtered };
    if (current.phase === 'paused' || current.phase === 'stopping' || current.phase === 'complete') word = current.phase;
    else if (reason) word = `incomplete (${reason})`;
  } else if (run.status === 'incomplete' && reason) {
    word = `incomplete (${reason})`;
  }
  const probes = `${formatCount(counts.done)} / ${formatCount(counts.total)}`;
  const text = word === 'complete' ? word : `${word} (${probes})`;
  let title: string;
  if (word.startsWith('incomplete')) title = `${reason ? `${phaseLabel(reason)}: s` : 'S'}topped after ${formatCount(counts.done)} of ${formatCount(counts.total)} probes; what it found is kept`;
  else if (word === 'complete') title = `complete: ${formatCount(counts.total)} probes`;
  else title = `${word}: ${probes} probes`;
  return { word, text, title, counts };
}
