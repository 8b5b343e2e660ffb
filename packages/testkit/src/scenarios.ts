/** Response levels and severities of an incident (I highest). */
type Level = 'I' | 'II' | 'III' | 'IV';

/**
 * The commands that take a confirmed incident of severity `level` through initial handling, a
 * response at that level, control, recovery and review to closed, in order: what a spec sends when
 * it needs an incident that is over.
 */
export function closingSteps(level: Level = 'IV'): [type: string, data: Record<string, unknown>][] {
  return [
    ['BeginInitialHandling', { measures: 'road closed' }],
    ['ActivateResponse', { level, measures: 'county plan' }],
    ['DeclareControlled', {}],
    ['LiftResponse', {}],
    ['BeginRecovery', {}],
    ['BeginReview', {}],
    ['CloseIncident', { summary: 'all found' }],
  ];
}
