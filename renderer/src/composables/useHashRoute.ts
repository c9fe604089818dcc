/**
 * Minimal hash routing: `#/inventory` etc. Enough for six views, and it keeps working
 * under file:// in Electron and behind `portolan serve` without server routes.
 */
import { onBeforeUnmount, ref } from 'vue';

export const ROUTES = ['overview', 'capture', 'scan', 'new-ports', 'inventory', 'snapshots'] as const;
export type RouteId = (typeof ROUTES)[number];
export const DEFAULT_ROUTE: RouteId = 'overview';

export function parseRoute(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[?/]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(id) ? (id as RouteId) : DEFAULT_ROUTE;
}

export function routeHref(id: RouteId): string {
  return `#/${id}`;
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
