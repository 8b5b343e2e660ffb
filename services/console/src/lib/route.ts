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
  | { view: 'hazards' }
  | { view: 'hazard'; hazardId: string }
  | { view: 'tipOff' }
  | { view: 'inspections' }
  | { view: 'plans' }
  | { view: 'plan'; planId: string }
  | { view: 'drills' }
  | { view: 'drill'; drillId: string }
  | { view: 'registries' }
  | { view: 'availability' }
  // 预警 (issue 21): the room's warnings, one warning, the contacts registry, and the recipient's
  // public phone page opened from the signed link (no login).
  | { view: 'warnings' }
  | { view: 'warning'; warningId: string }
  | { view: 'contacts' }
  | { view: 'ack'; token: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, incidentId, sub] = parts;
  if (first === 'interviews') return { view: 'interviews' };
  if (first === 'depots') return { view: 'depots' };
  if (first === 'duty') return { view: 'duty' };
  if (first === 'hazards') return incidentId ? { view: 'hazard', hazardId: incidentId } : { view: 'hazards' };
  if (first === 'tip-off') return { view: 'tipOff' };
  if (first === 'inspections') return { view: 'inspections' };
  if (first === 'drills') return incidentId ? { view: 'drill', drillId: incidentId } : { view: 'drills' };
  if (first === 'plans') return incidentId ? { view: 'plan', planId: incidentId } : { view: 'plans' };
  if (first === 'registries') return { view: 'registries' };
  if (first === 'availability') return { view: 'availability' };
  if (first === 'warnings') return incidentId ? { view: 'warning', warningId: incidentId } : { view: 'warnings' };
  if (first === 'contacts') return { view: 'contacts' };
  if (first === 'ack' && incidentId) return { view: 'ack', token: incidentId };
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
    case 'hazards':
      return '#/hazards';
    case 'hazard':
      return `#/hazards/${encodeURIComponent(route.hazardId)}`;
    case 'tipOff':
      return '#/tip-off';
    case 'inspections':
      return '#/inspections';
    case 'plans':
      return '#/plans';
    case 'plan':
      return `#/plans/${encodeURIComponent(route.planId)}`;
    case 'drills':
      return '#/drills';
    case 'drill':
      return `#/drills/${encodeURIComponent(route.drillId)}`;
    case 'registries':
      return '#/registries';
    case 'availability':
      return '#/availability';
    case 'warnings':
      return '#/warnings';
    case 'warning':
      return `#/warnings/${encodeURIComponent(route.warningId)}`;
    case 'contacts':
      return '#/contacts';
    case 'ack':
      return `#/ack/${encodeURIComponent(route.token)}`;
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
