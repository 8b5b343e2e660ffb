import { beijingStamp } from '@muster/domain';

/**
 * An instant as CAP 1.2 writes `sent`, `onset`, `expires` (`YYYY-MM-DDThh:mm:ss±hh:mm`, no `Z`, ref
 * §3.1), in Beijing time since the releasing rooms are in China.
 */
export function capTime(iso: string): string {
  const s = beijingStamp(iso);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}+08:00`;
}
