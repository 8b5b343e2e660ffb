import { useEffect, useState } from 'react';

/** Where the console is, from the URL hash: the api owns every path, the console only `/console/`. */
export type Route =
  | { view: 'board' }
  | { view: 'scores' }
  | { view: 'incident'; incidentId: string }
  | { view: 'commander'; incidentId: string }
  | { view: 'review'; incidentId: string }
  | { view: 'interviews' }
  | { view: 'depots' }
  | { view: 'duty' }
  | { view: 'registries' }
  | { view: 'availability' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, incidentId, sub] = parts;
  if (first === 'interviews') return { view: 'interviews' };
  if (first === 'depots') return { view: 'depots' };
  if (first === 'duty') return { view: 'duty' };
  if (first === 'registries') return { view: 'registries' };
  if (first === 'availability') return { view: 'availability' };
  if (first === 'incidents' && incidentId) {
    if (sub === 'scene') return { view: 'commander', incidentId };
    if (sub === 'review') return { view: 'review', incidentId };
    return { view: 'incident', incidentId };
  }
  if (first === 'scores') return { view: 'scores' };
  return { view: 'board' };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'board':
      return '#/';
    case 'scores':
      return '#/scores';
    case 'incident':
      return `#/incidents/${encodeURIComponent(route.incidentId)}`;
    case 'commander':
      return `#/incidents/${encodeURIComponent(route.incidentId)}/scene`;
    case 'review':
      return `#/incidents/${encodeURIComponent(route.incidentId)}/review`;
    case 'interviews':
      return '#/interviews';
    case 'depots':
      return '#/depots';
    case 'duty':
      return '#/duty';
    case 'registries':
      return '#/registries';
    case 'availability':
      return '#/availability';
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
