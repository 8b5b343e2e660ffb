import type { ReportItemView } from '@muster/client';

/** A report is late when it was filed after its deadline, or is still owed and its deadline has passed. */
export function isOverdue(item: Pick<ReportItemView, 'dueAt' | 'submittedAt' | 'overdueAt'>, now: number): boolean {
  if (item.submittedAt) return item.dueAt !== null && Date.parse(item.submittedAt) > Date.parse(item.dueAt);
  return item.overdueAt !== null || (item.dueAt !== null && Date.parse(item.dueAt) < now);
}
