/**
 * Services stores: the query state of one inventory table, its current page, and the
 * per-status counts. Filtering, sorting and paging happen in the engine (services.list);
 * the store only remembers what the analyst asked for and reloads when it changes or
 * when the engine says the inventory changed.
 */
import { defineStore } from 'pinia';
import { onScopeDispose, ref, shallowRef } from 'vue';
import {
  toErrorInfo,
  type ErrorInfo,
  type ServiceRow,
  type ServicesPage,
  type ServicesQuery,
  type ServiceStatus,
  type SortKey,
  type StatusFilter,
} from '../../../electron/shared';
import { isFinal } from '../lib/jobs';
import { nextSort, pageOffset, type SortDir } from '../lib/query';
import { coalesce } from '../lib/timing';
import { usePlatform } from '../platform/inject';

export type StatusCounts = ServicesPage['counts'];
export const DEFAULT_PAGE_SIZE = 500;
/** Reload at most this long after the first change of a burst, so long ingests still show progress. */
const RELOAD_WAIT_MS = 250;
const RELOAD_MAX_WAIT_MS = 1500;

const ZERO_COUNTS: StatusCounts = { new: 0, approved: 0, flagged: 0, gone: 0, ignored: 0 };

/**
 * Why a page could not be loaded, in words for the analyst: the engine's validator text
 * ("Too big: expected string to have <=512 characters at search") names schema fields,
 * so a refused query says which field and what to do instead. Other failures (the engine
 * is away, a database error) keep their message.
 */
export function loadErrorInfo(err: unknown): ErrorInfo {
  const info = toErrorInfo(err);
  if (info.name !== 'InvalidInput' && info.name !== 'ZodError') return info;
  const field = /\bat (\w+)/.exec(info.message)?.[1];
  if (field === 'search') return { name: info.name, message: 'the search is not one the engine takes (at most 512 characters, one line); shorten it.' };
  if (field === 'port' || field === 'subnet' || field === 'host' || field === 'proto') return { name: info.name, message: `the ${field} filter is not one the engine takes; change it.` };
  return { name: info.name, message: 'the engine refused this query; change the search or the filters.' };
}

/** Narrower server-side filters (review queue and inventory toolbars). */
export type ServiceFilters = Pick<ServicesQuery, 'port' | 'proto' | 'subnet' | 'insecure'>;

/** The status filter of a table (`listening`: every status but gone, as the Overview counts insecure services). */
export type ListStatus = StatusFilter;

/**
 * Defines one services store. Two exist: the whole inventory, and the review queue,
 * whose status is pinned to `new` so switching views never loses either table's state.
 */
export function defineServicesStore(id: string, pinnedStatus?: ServiceStatus) {
  return defineStore(id, () => {
    const { api, connection } = usePlatform();

    const status = ref<ListStatus>(pinnedStatus ?? 'all');
    const search = ref('');
    const sort = ref<SortKey>('host');
    const dir = ref<SortDir>('asc');
    const offset = ref(0);
    const limit = ref(DEFAULT_PAGE_SIZE);
    const filters = ref<ServiceFilters>({});

    // Rows are replaced whole, never mutated: a shallow ref avoids deep proxies on 5000 rows.
    const rows = shallowRef<ServiceRow[]>([]);
    const total = ref(0);
    const counts = ref<StatusCounts>({ ...ZERO_COUNTS });
    const loading = ref(false);
    const loaded = ref(false);
    const error = ref<ErrorInfo | null>(null);
    /**
     * Why the filter fields as typed cannot be applied (a port over 65535, a subnet that
     * is not one), or null. While set the table shows no rows: the previous filter's rows
     * would pass for the answer to this one.
     */
    const invalid = ref<string | null>(null);

    let seq = 0;

    function query(): ServicesQuery {
      return { status: status.value, search: search.value, sort: sort.value, dir: dir.value, offset: offset.value, limit: limit.value, ...filters.value };
    }

    /** Fetches the page for the current query; a slower, older reply never overwrites a newer one. */
    async function reload(): Promise<void> {
      const mine = ++seq;
      if (invalid.value !== null) {
        loading.value = false;
        return;
      }
      loading.value = true;
      try {
        const page = await api.services.list(query());
        if (mine !== seq) return;
        // The page we were on may have emptied (rows filtered away elsewhere): step back.
        if (page.rows.length === 0 && offset.value > 0 && page.total > 0) {
          offset.value = Math.max(0, Math.floor((page.total - 1) / limit.value) * limit.value);
          return void reload();
        }
        rows.value = page.rows;
        total.value = page.total;
        counts.value = page.counts;
        error.value = null;
        loaded.value = true;
      } catch (err) {
        if (mine !== seq) return;
        // No rows rather than the previous query's: they would pass for this one's answer.
        error.value = loadErrorInfo(err);
        rows.value = [];
        total.value = 0;
      } finally {
        if (mine === seq) loading.value = false;
      }
    }

    const scheduleReload = coalesce(() => void reload(), RELOAD_WAIT_MS, RELOAD_MAX_WAIT_MS);

    function setStatus(next: ListStatus): Promise<void> {
      if (pinnedStatus) return Promise.resolve();
      status.value = next;
      offset.value = 0;
      return reload();
    }

    function setSearch(next: string): Promise<void> {
      search.value = next;
      offset.value = 0;
      return reload();
    }

    /** Replaces the narrower filters (undefined fields are dropped); a valid filter ends `invalid`. */
    function setFilters(next: ServiceFilters): Promise<void> {
      filters.value = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && v !== '')) as ServiceFilters;
      offset.value = 0;
      invalid.value = null;
      return reload();
    }

    /**
     * The filter fields hold something that cannot be sent: no rows until they are fixed
     * (and a reply still on its way for the old filter is dropped).
     */
    function setInvalid(problem: string): void {
      invalid.value = problem;
      // Not the server's failure: no "Could not load services… Retry" for a typo.
      error.value = null;
      seq++;
      loading.value = false;
      rows.value = [];
      total.value = 0;
    }

    /**
     * Opens the table on one status and filter set (an Overview card's link): the other
     * narrowing (search, port, subnet, protocol) is cleared, so the count is the card's.
     */
    function show(next: { status?: ListStatus; insecure?: boolean }): Promise<void> {
      if (!pinnedStatus) status.value = next.status ?? 'all';
      search.value = '';
      filters.value = next.insecure ? { insecure: true } : {};
      offset.value = 0;
      invalid.value = null;
      return reload();
    }

    /** Sets the sort outright (the review queue's "group by"). */
    function setSort(key: SortKey, direction: SortDir = 'asc'): Promise<void> {
      if (sort.value === key && dir.value === direction) return Promise.resolve();
      sort.value = key;
      dir.value = direction;
      offset.value = 0;
      return reload();
    }

    function sortBy(key: SortKey): Promise<void> {
      const s = nextSort({ sort: sort.value, dir: dir.value }, key);
      sort.value = s.sort;
      dir.value = s.dir;
      offset.value = 0;
      return reload();
    }

    function page(step: -1 | 1): Promise<void> {
      const next = pageOffset(offset.value, limit.value, total.value, step);
      if (next === offset.value) return Promise.resolve();
      offset.value = next;
      return reload();
    }

    const offs = [
      api.on('services.changed', () => scheduleReload()),
      // Belt and braces: a finished ingest always ends with the table in its final state.
      api.on('job.updated', (job) => {
        if (isFinal(job.status)) scheduleReload();
      }),
      // Events sent while the socket was down are lost; catch up when it is back.
      connection.onChange((state) => {
        if (state === 'open' && loaded.value) scheduleReload();
      }),
    ];
    onScopeDispose(() => {
      scheduleReload.cancel();
      for (const off of offs) off();
    });

    return {
      pinnedStatus: pinnedStatus ?? null,
      status,
      search,
      sort,
      dir,
      offset,
      limit,
      filters,
      rows,
      total,
      counts,
      loading,
      loaded,
      error,
      invalid,
      reload,
      setStatus,
      setSearch,
      setFilters,
      setInvalid,
      show,
      setSort,
      sortBy,
      page,
    };
  });
}

/** The whole inventory (its counts also feed the New ports badge). */
export const useServicesStore = defineServicesStore('services');
/** The review queue: services seen for the first time and not reviewed yet. */
export const useNewPortsStore = defineServicesStore('services.new', 'new');

export type ServicesStore = ReturnType<typeof useServicesStore>;
