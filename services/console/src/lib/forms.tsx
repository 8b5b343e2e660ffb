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
  return { ok: false, errors: errorsByField(parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: localMessage(i) }))) };
}

/**
 * An issue in the console's language (zod's locale, set by the i18n provider). The schemas are the
 * api's, and some carry an English message of their own ("must not be empty"): the locale's message
 * for the issue replaces it; a refinement's own words (`custom`) are kept.
 */
function localMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  // A finalized issue lacks only the input, which no message the console shows needs.
  const local = z.config().localeError?.({ ...issue, input: undefined });
  if (typeof local === 'string') return local;
  return local?.message ?? issue.message;
}

/** Whether a text is already in Chinese (a server message written for people of the room). */
const hasChinese = (text: string): boolean => /[\u4e00-\u9fff]/.test(text);

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
  if (error.code === 'forbidden') return `${t('err.forbidden')}（${tr('cmd', String(details['command'] ?? ''))}）`;
  // The state by name when it is an incident's (the one a room reads on screen); otherwise the sentence alone.
  const state = typeof details['state'] === 'string' ? details['state'] : null;
  if (error.code === 'illegal_transition' && state !== null && tr('state', state) !== state) {
    return t('err.illegalTransitionIn').replace('{state}', tr('state', state));
  }
  // A stale version is one kind of conflict worth its own words; the others (a depot short of stock,
  // a team already out, an id in use) share the generic sentence, with the api's words after it when
  // they are Chinese (stock kinds are).
  if (error.code === 'conflict' && details['expectedVersion'] !== undefined) return t('err.stale');
  const sentence = tr('err', error.code);
  return hasChinese(error.message) ? `${sentence}：${error.message}` : sentence;
}

/** What the api said, by field when it named fields (the `data.` prefix of command payloads dropped). */
export function apiErrors(error: unknown, i18n?: Pick<I18n, 'lang' | 't' | 'tr'>): FieldErrors {
  if (error instanceof MusterApiError) {
    // The api's field messages are English: in Chinese a field it refuses reads 填写有误 (the form
    // has already checked what it can with the same schemas, in the console's language).
    const word = (message: string) => (i18n && i18n.lang !== 'en' && !hasChinese(message) ? i18n.t('err.invalidField') : message);
    if (error.issues?.length) return errorsByField(error.issues.map((i) => ({ path: i.path.replace(/^data\./, ''), message: word(i.message) })));
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
