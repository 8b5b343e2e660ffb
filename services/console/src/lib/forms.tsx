import { MusterApiError } from '@muster/client';
import type { ReactNode } from 'react';
import { z } from 'zod';
import { useI18n, type I18n } from './i18n';

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

/**
 * A refusal in the console's language: the api's messages are for developers (English), so what a
 * duty officer reads is built from the error's code and details — the response level and the lowest
 * room that may activate it, or what the room above may do on an incident it does not lead.
 */
function refusal(error: MusterApiError, i18n: Pick<I18n, 't' | 'tr'>): string {
  const { t, tr } = i18n;
  const details = error.details ?? {};
  const lowestRoom = details['lowestRoom'];
  const level = details['level'];
  if (error.code === 'forbidden' && typeof lowestRoom === 'string' && typeof level === 'string') {
    return t('errResponseLevel').replace('{level}', tr('resp', level)).replace('{room}', tr('jlevel', lowestRoom));
  }
  const upperRoomCommands = details['upperRoomCommands'];
  if (error.code === 'forbidden' && Array.isArray(upperRoomCommands)) {
    return t('errUpperRoom').replace('{commands}', upperRoomCommands.map((c) => tr('cmd', String(c))).join('、'));
  }
  // Other refusals keep the api's words: one code covers causes as different as a lost race and a
  // depot short of stock, which a generic sentence would misstate.
  return error.code === 'forbidden' ? `${t('err.forbidden')}（${tr('cmd', String(details['command'] ?? ''))}）` : `${error.code}: ${error.message}`;
}

/** What the api said, by field when it named fields (the `data.` prefix of command payloads dropped). */
export function apiErrors(error: unknown, i18n?: Pick<I18n, 't' | 'tr'>): FieldErrors {
  if (error instanceof MusterApiError) {
    if (error.issues?.length) return errorsByField(error.issues.map((i) => ({ path: i.path.replace(/^data\./, ''), message: i.message })));
    return { _form: i18n ? refusal(error, i18n) : `${error.code}: ${error.message}` };
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
