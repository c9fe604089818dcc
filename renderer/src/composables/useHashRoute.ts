/**
 * Minimal hash routing: `#/inventory` etc. Enough for six views, and it keeps working
 * under file:// in Electron and behind `portolan serve` without server routes.
 */
import { onBeforeUnmount, ref } from 'vue';

export const ROUTES = ['overview', 'capture', 'scan', 'new-ports', 'inventory', 'snapshots', 'host'] as const;
export type RouteId = (typeof ROUTES)[number];
export const DEFAULT_ROUTE: RouteId = 'overview';

export function parseRoute(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[?/]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(id) ? (id as RouteId) : DEFAULT_ROUTE;
}

export function routeHref(id: RouteId): string {
  return `#/${id}`;
}

/** What follows the route id: `#/host/192.0.2.1` → `192.0.2.1` (decoded), '' when nothing does. */
export function routeParam(hash: string): string {
  const rest = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  const i = rest.indexOf('/');
  if (i < 0) return '';
  try {
    return decodeURIComponent(rest.slice(i + 1));
  } catch {
    return '';
  }
}

/** Link to a host's page. */
export function hostHref(host: string): string {
  return `#/host/${encodeURIComponent(host)}`;
}

export function useHashRoute() {
  const route = ref<RouteId>(parseRoute(window.location.hash));
  const sync = () => (route.value = parseRoute(window.location.hash));
  window.addEventListener('hashchange', sync);
  onBeforeUnmount(() => window.removeEventListener('hashchange', sync));

  function go(id: RouteId): void {
    if (window.location.hash !== routeHref(id)) window.location.hash = routeHref(id);
    route.value = id;
  }
  return { route, go };
}
