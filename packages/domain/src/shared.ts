/** Severity of an incident (突发事件分级): I 特别重大 is the highest, IV 一般 the lowest. */
export const SEVERITIES = ['I', 'II', 'III', 'IV'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The four categories of the Emergency Response Law §2. */
export const INCIDENT_CATEGORIES = ['natural_disaster', 'accident', 'public_health', 'social_security'] as const;
export type IncidentCategory = (typeof INCIDENT_CATEGORIES)[number];

/**
 * Finer kinds within the categories (GB/T 35561 names them in more detail), as far as rules tell them
 * apart: 493号令 §13 gives road traffic and fire accidents a shorter 补报 window.
 */
export const INCIDENT_SUBTYPES = [
  'road_traffic',
  'fire',
  'work_safety',
  'hazardous_chemicals',
  'mine',
  'flood',
  'typhoon',
  'rainstorm',
  'landslide',
  'earthquake',
  'forest_fire',
  'epidemic',
  'food_safety',
  'animal_epidemic',
  'mass_event',
  'other',
] as const;
export type IncidentSubtype = (typeof INCIDENT_SUBTYPES)[number];

export const ROLES = ['duty_officer', 'leader', 'responder', 'agency_liaison', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who sent a command. The domain never looks this up; it arrives on the command. */
export interface Actor {
  userId: string;
  roles: Role[];
  /** Administrative code (GB/T 2260) of the actor's jurisdiction, e.g. 441203. */
  jurisdiction: string;
}

/** Everything the outside world supplies with a command so that the domain stays pure. */
export interface CommandMeta {
  commandId: string;
  actor: Actor;
  /** Server time at which the command is handled (ISO 8601), the event's recordedAt. */
  now: string;
  /** When the fact happened, as reported; defaults to `now`. */
  occurredAt: string;
}

/** A domain event as the machine emits it, before the engine gives it an id and a version. */
export interface EmittedEvent {
  type: string;
  data: Record<string, unknown>;
  /**
   * A derived event follows from another event of the same command (e.g. the city room linked because
   * severity rose to III). Replay skips it: re-applying the primary event derives it again.
   */
  derived?: boolean;
}

/** True when `a` is at least as severe as `b` (I is the most severe). */
export function severityAtLeast(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b);
}
