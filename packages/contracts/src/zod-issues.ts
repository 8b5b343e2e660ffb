import type { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors';

export function issuesOf(error: z.ZodError, prefix: readonly (string | number)[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
  }));
}

/** Parses with a zod schema, or throws a ValidationError naming every failing field path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix: readonly (string | number)[] = []): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(issuesOf(result.error, prefix));
  return result.data;
}
