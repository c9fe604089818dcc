/**
 * Coalesces bursts of calls: runs `fn` once `wait` ms after the last call, but never
 * later than `maxWait` ms after the first call of a burst, so a long ingest that changes
 * the inventory continuously still refreshes the table every `maxWait` ms.
 */
export interface Coalescer {
  (): void;
  cancel(): void;
  flush(): void;
}

export function coalesce(fn: () => void, wait: number, maxWait = Infinity): Coalescer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let burstStart = 0;
  const run = () => {
    timer = undefined;
    burstStart = 0;
    fn();
  };
  const trigger = (() => {
    const now = Date.now();
    if (!burstStart) burstStart = now;
    if (timer !== undefined) clearTimeout(timer);
    const left = Math.min(wait, Math.max(0, burstStart + maxWait - now));
    timer = setTimeout(run, left);
  }) as Coalescer;
  trigger.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    burstStart = 0;
  };
  trigger.flush = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    run();
  };
  return trigger;
}
