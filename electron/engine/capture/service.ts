/**
 * Live capture for the engine: the contract's capture channels, one job per capture,
 * a Stop that ends a capture normally (job `done`), and the services each capture saw
 * first, for the Capture view.
 */
import type { CaptureProfile, CaptureStart, CompiledFilter, FoundService } from '../../shared/capture';
import { CaptureStart as CaptureStartSchema } from '../../shared/capture';
import type { JobSnapshot } from '../../shared/model';
import { compileBpf } from '../filters/compile';
import { describeSelection, resolveSelection } from '../filters/selection';
import type { JobManager } from '../jobs/jobs';
import type { Db } from '../store/db';
import { listInterfaces } from './interfaces';
import { runLiveCapture } from './live';
import { deleteProfile, getProfile, listProfiles, saveProfile } from './profiles';

/** Services kept per capture for the view (the inventory has them all). */
const FOUND_KEEP = 500;

type Emit = (event: 'services.changed', payload: { added: number; updated: number }) => void;

export class CaptureService {
  private stops = new Map<string, AbortController>();
  private found = new Map<string, FoundService[]>();

  constructor(
    private readonly db: Db,
    private readonly jobs: JobManager,
    private readonly emit: Emit,
  ) {}

  /** Starts a live capture job. The selection is checked before anything runs. */
  async start(input: CaptureStart): Promise<JobSnapshot> {
    const req = CaptureStartSchema.parse(input);
    let selection = req.selection;
    if (req.profile && !req.selection.transports.length && !req.selection.apps.length && !req.selection.ignore.length) {
      const p = await getProfile(this.db, req.profile);
      if (!p) throw Object.assign(new Error(`no capture profile named ${req.profile}`), { name: 'NotFound' });
      selection = p.selection;
    }
    const resolved = resolveSelection(selection);
    const stop = new AbortController();
    const job = await this.jobs.start('capture', { interface: req.interface, durationS: req.durationS ?? null, selection: resolved.selection, profile: req.profile ?? null }, async (ctx) => {
      try {
        const r = await runLiveCapture(this.db, { iface: req.interface, durationS: req.durationS, selection: resolved, profile: req.profile, stop: stop.signal }, ctx, {
          onChanged: (added, updated) => this.emit('services.changed', { added, updated }),
          onFound: (list) => {
            const kept = this.found.get(ctx.id) ?? [];
            for (const x of list) kept.push(x);
            this.found.set(ctx.id, kept.slice(-FOUND_KEEP));
          },
        });
        return r as unknown as Record<string, unknown>;
      } finally {
        this.stops.delete(ctx.id);
      }
    });
    this.stops.set(job.id, stop);
    return job;
  }

  /** Ends a capture normally: everything seen is stored and the job ends `done`. */
  stop(id: string): JobSnapshot {
    const snap = this.jobs.get(id);
    if (!snap || snap.kind !== 'capture') throw Object.assign(new Error(`no capture job with id ${id}`), { name: 'NotFound' });
    this.stops.get(id)?.abort();
    return snap;
  }

  foundBy(id: string): FoundService[] {
    return [...(this.found.get(id) ?? [])].reverse();
  }

  compile(selection: unknown): CompiledFilter {
    const r = resolveSelection(selection as never);
    return { bpf: compileBpf(r, { vlan: true }), summary: describeSelection(r) };
  }

  handlers() {
    return {
      'capture.interfaces': async () => listInterfaces(),
      'capture.compile': async (input: unknown) => this.compile(input),
      'capture.start': (input: CaptureStart) => this.start(input),
      'capture.stop': async (input: { id: string }) => this.stop(input.id),
      'capture.found': async (input: { id: string }) => this.foundBy(input.id),
      'capture.profiles.list': (): Promise<CaptureProfile[]> => listProfiles(this.db),
      'capture.profiles.save': (input: { name: string; selection: unknown }) => saveProfile(this.db, input.name, input.selection),
      'capture.profiles.delete': async (input: { name: string }) => ({ deleted: await deleteProfile(this.db, input.name) }),
    } as const;
  }
}
