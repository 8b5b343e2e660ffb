import { MusterApiError } from '@muster/client';
import type { ReactNode } from 'react';
import { z } from 'zod';
import { useI18n } from './i18n';

export type FieldErrors = Record<string, string>;

/**
 * Checks a payload with the same zod schema the api uses, before anything is sent: a bad entry is
 * shown beside its field and no request leaves the browser.
 */
export function check<S extends z.ZodType>(schema: S, payload: unknown): { ok: true; value: z.output<S> } | { ok: false; errors: FieldErrors } {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: errorsByField(parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))) };
}

function errorsByField(issues: { path: string; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = issue.path || '_form';
    errors[field] ??= issue.message;
  }
  return errors;
}

/** What the api said, by field when it named fields (the `data.` prefix of command payloads dropped). */
export function apiErrors(error: unknown): FieldErrors {
  if (error instanceof MusterApiError) {
    if (error.issues?.length) return errorsByField(error.issues.map((i) => ({ path: i.path.replace(/^data\./, ''), message: i.message })));
    return { _form: `${error.code}: ${error.message}` };
  }
  return { _form: error instanceof Error ? error.message : String(error) };
}

/** A string input as a whole number, or undefined when empty (so that "optional" stays optional). */
export function optionalInt(value: string): number | undefined | string {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export function Field({ name, label, tag, error, children }: { name: string; label: string; tag?: string | undefined; error?: string | undefined; children: ReactNode }) {
  return (
    <label className={`field${error ? ' invalid' : ''}`} data-field={name}>
      <span className="label">
        {label}
        {tag ? <span className="tag"> {tag}</span> : null}
      </span>
      {children}
      {error ? (
        <span className="field-error" role="alert" data-testid={`error-${name}`}>
          {error}
        </span>
      ) : null}
    </label>
  );
}

export function FormError({ errors }: { errors: FieldErrors }) {
  const { t } = useI18n();
  if (!errors['_form']) return null;
  return (
    <p className="form-error" role="alert" data-testid="form-error">
      {t('error')}: {errors['_form']}
    </p>
  );
}

/** A short id for commands that need one (report ids, offer ids), unique enough per browser. */
export function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
}
