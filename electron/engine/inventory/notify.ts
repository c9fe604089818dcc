/**
 * Noticing the new. The engine does not trust every writer of the inventory (ingest,
 * capture, scanner, import, another process sharing the file) to report what it added:
 * it keeps a watermark on services.id and, whenever the inventory may have changed, asks
 * the store which services above it are still `new` (rules may have ignored or approved
 * the rest). One `services.new` event per check, capped at 100 services with the total.
 *
 * `NotificationGrouper` is the desktop side's throttle: a sweep that finds 800 services
 * gives one notification, not 800.
 */
import type { NewService, NewServicesEvent } from '../../shared/inventory';
import type { Db } from '../store/db';

export class NewServiceWatcher {
  private mark = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly emit: (e: NewServicesEvent) => void,
  ) {}

  /** Starts watching from the services already stored (they are not news). */
  async start(): Promise<void> {
    this.mark = (await this.db.all<{ id: number }>('invMaxId'))[0]?.id ?? 0;
  }

  /** Checks for services above the watermark; calls never overlap. */
  check(): Promise<void> {
    this.running = this.running.then(() => this.run()).catch(() => undefined);
    return this.running;
  }

  private async run(): Promise<void> {
    const max = (await this.db.all<{ id: number }>('invMaxId'))[0]?.id ?? 0;
    if (max <= this.mark) return;
    const from = this.mark;
    const services = await this.db.all<{ id: number; host: string; port: number; proto: 'tcp' | 'udp'; service: string | null; insecure: string | null }>('invNewSince', [from]);
    const total = (await this.db.get<{ n: number }>('invNewSinceCount', [from]))?.n ?? 0;
    this.mark = max;
    if (total > 0) this.emit({ services, total });
  }
}

export interface Notice {
  title: string;
  body: string;
}

/** The notification text for a batch of new services (grouped; insecure ones first). */
export function noticeFor(services: NewService[], total: number): Notice {
  const label = (s: NewService) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/${s.proto}${s.service ? ` ${s.service}` : ''}${s.insecure ? ` (insecure: ${s.insecure})` : ''}`;
  const sorted = [...services].sort((a, b) => Number(!!b.insecure) - Number(!!a.insecure));
  const insecure = services.filter((s) => s.insecure).length;
  const title = total === 1 ? 'New listening service' : `${total.toLocaleString('en-US')} new listening services`;
  const shown = sorted.slice(0, 3).map(label);
  const more = total - shown.length;
  const body = [...shown, ...(more > 0 ? [`and ${more.toLocaleString('en-US')} more${insecure > 0 ? `, ${insecure} insecure among the first ${services.length}` : ''}`] : [])].join('\n');
  return { title, body };
}

/**
 * Collects `services.new` events and fires at most one notice per `minGapMs`, after a
 * quiet `settleMs`, so a sweep's bursts become one grouped notification.
 */
export class NotificationGrouper {
  private pending: NewService[] = [];
  private total = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFired = -Infinity;

  constructor(
    private readonly fire: (n: Notice) => void,
    private readonly settleMs = 2000,
    private readonly minGapMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(e: NewServicesEvent): void {
    for (const s of e.services) if (this.pending.length < 100) this.pending.push(s);
    this.total += e.total;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const wait = Math.max(this.settleMs, this.lastFired + this.minGapMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.total === 0) return;
    const n = noticeFor(this.pending, this.total);
    this.pending = [];
    this.total = 0;
    this.lastFired = this.now();
    this.fire(n);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
