/**
 * View logic of a services table: column definitions, header sort state, the search box
 * (debounced), paging text and the windowed slice of rows actually put in the DOM.
 */
import { storeToRefs } from 'pinia';
import { computed, onScopeDispose, ref, watch, type Ref } from 'vue';
import type { ServiceRow, SortKey, StatusFilter } from '../../../electron/shared';
import { evidenceLabel, formatUtc, pagerSummary } from '../lib/format';
import { ariaSort } from '../lib/query';
import { coalesce } from '../lib/timing';
import { visibleRange } from '../lib/windowing';
import { useNewPortsStore, useServicesStore } from '../stores/services';

export type ServiceScope = 'inventory' | 'new';

export type ColumnId = 'host' | 'port' | 'proto' | 'evidence' | 'status' | 'service' | 'firstSeen' | 'lastSeen' | 'sources';

export interface Column {
  id: ColumnId;
  label: string;
  /** Server-side sort key; absent for columns the engine cannot sort by. */
  sort?: SortKey;
  /** Addresses, ports and times line up better in a fixed-width face. */
  mono?: boolean;
  numeric?: boolean;
}

export const COLUMNS: readonly Column[] = [
  { id: 'host', label: 'Host', sort: 'host', mono: true },
  { id: 'port', label: 'Port', sort: 'port', mono: true, numeric: true },
  { id: 'proto', label: 'Proto', sort: 'proto' },
  { id: 'evidence', label: 'Evidence', sort: 'evidence' },
  { id: 'status', label: 'Status', sort: 'status' },
  { id: 'service', label: 'Service', sort: 'service' },
  { id: 'firstSeen', label: 'First seen (UTC)', sort: 'firstSeen', mono: true },
  { id: 'lastSeen', label: 'Last seen (UTC)', sort: 'lastSeen', mono: true },
  { id: 'sources', label: 'Sources' },
];

export const STATUS_OPTIONS: readonly StatusFilter[] = ['all', 'new', 'approved', 'flagged', 'gone', 'ignored'];

/** One cell as shown: text, plus the raw value for tests and copy-paste. */
export interface Cell {
  col: ColumnId;
  text: string;
  value: string;
  /** CSS classes of the cell: column, fixed-width face, weak evidence. */
  cls: string;
}

const COLUMN_CLASS = new Map(COLUMNS.map((c) => [c.id, ['c-' + c.id, c.mono ? 'mono' : '', c.numeric ? 'num' : ''].filter(Boolean).join(' ')]));

export function rowCells(row: ServiceRow): Cell[] {
  const cells: Array<Omit<Cell, 'cls'>> = [
    { col: 'host', text: row.host, value: row.host },
    { col: 'port', text: String(row.port), value: String(row.port) },
    { col: 'proto', text: row.proto, value: row.proto },
    { col: 'evidence', text: evidenceLabel(row.evidence, row.confidence), value: row.evidence },
    { col: 'status', text: row.status, value: row.status },
    { col: 'service', text: row.service ?? '—', value: row.service ?? '' },
    { col: 'firstSeen', text: formatUtc(row.firstSeen), value: row.firstSeen },
    { col: 'lastSeen', text: formatUtc(row.lastSeen), value: row.lastSeen },
    { col: 'sources', text: row.sources.join(', '), value: row.sources.join(' ') },
  ];
  return cells.map((c) => ({
    ...c,
    cls: `${COLUMN_CLASS.get(c.col) ?? ''}${c.col === 'evidence' && row.confidence !== 'certain' ? ' weak' : ''}`,
  }));
}

/** Fixed row height in px (keep in step with `.svc-table td` in styles.css). */
export const ROW_HEIGHT = 26;
/** Assumed viewport when layout is unknown (first paint, or a DOM without layout). */
const FALLBACK_VIEWPORT = 800;
const SEARCH_WAIT_MS = 250;

export function useServiceList(scope: ServiceScope, viewport: Ref<HTMLElement | null>) {
  const store = scope === 'new' ? useNewPortsStore() : useServicesStore();
  const { status, search, sort, dir, offset, rows, total, counts, loading, loaded, error } = storeToRefs(store);

  // The box edits a local copy; the query follows after typing pauses.
  const searchText = ref(search.value);
  const applySearch = coalesce(() => void store.setSearch(searchText.value.trim()), SEARCH_WAIT_MS);
  watch(searchText, () => applySearch());
  onScopeDispose(() => applySearch.cancel());

  const headerSort = (col: Column) => (col.sort ? ariaSort({ sort: sort.value, dir: dir.value }, col.sort) : undefined);

  const summary = computed(() => pagerSummary(offset.value, rows.value.length, total.value));
  const canPrev = computed(() => offset.value > 0);
  const canNext = computed(() => offset.value + rows.value.length < total.value);

  const scrollTop = ref(0);
  const viewportHeight = ref(0);
  function onScroll(): void {
    const el = viewport.value;
    if (!el) return;
    scrollTop.value = el.scrollTop;
    viewportHeight.value = el.clientHeight;
  }
  // A new page starts at its top.
  watch(rows, () => {
    if (viewport.value) viewport.value.scrollTop = 0;
    scrollTop.value = 0;
    onScroll();
  });

  const rowWindow = computed(() => visibleRange(scrollTop.value, viewportHeight.value || FALLBACK_VIEWPORT, ROW_HEIGHT, rows.value.length));
  const visible = computed(() =>
    rows.value.slice(rowWindow.value.start, rowWindow.value.end).map((row, i) => ({ row, index: rowWindow.value.start + i, cells: rowCells(row) })),
  );

  function ensureLoaded(): void {
    if (!store.loaded && !store.loading) void store.reload();
  }

  return {
    store,
    pinned: store.pinnedStatus !== null,
    status,
    searchText,
    counts,
    total,
    rows,
    loading,
    loaded,
    error,
    headerSort,
    summary,
    canPrev,
    canNext,
    rowWindow,
    visible,
    onScroll,
    ensureLoaded,
    sortBy: (col: Column) => (col.sort ? store.sortBy(col.sort) : undefined),
    setStatus: (s: StatusFilter) => store.setStatus(s),
    prev: () => store.page(-1),
    next: () => store.page(1),
    reload: () => store.reload(),
  };
}
