import { CategorySchema, SeveritySchema } from '@muster/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { z } from 'zod';
import { apiErrors, check, Field, FormError, optionalInt, type FieldErrors } from './forms';
import { useI18n, type I18n, type MessageKey } from './i18n';
import { offlineWord } from './offline-text';
import { fromLocalInput, toLocalInput, zoneLabel } from './time';

const isQueued = (answer: unknown): boolean => typeof answer === 'object' && answer !== null && 'queued' in answer && answer.queued === true;

export interface FieldSpec {
  /** The payload path, dotted for nested fields (`location.description`). */
  name: string;
  label: MessageKey;
  /** `datetime`: a Beijing-time picker sent as ISO with +08:00; `date`: a calendar day `YYYY-MM-DD`. */
  kind: 'text' | 'textarea' | 'int' | 'select' | 'datetime' | 'date';
  options?: readonly { value: string; label: string }[];
  /** Start value of the input (for `datetime`, an ISO time). */
  initial?: string;
  /** A tag beside the label: the field must be given, or it only counts towards the report's completeness. */
  tag?: 'required' | 'completeness';
}

/** The incident category and severity pickers every incident form offers, in the console's language. */
export function classificationFields(tr: I18n['tr'], prefix = ''): FieldSpec[] {
  return [
    { name: `${prefix}category`, label: 'category', kind: 'select', options: CategorySchema.options.map((c) => ({ value: c, label: tr('cat', c) })) },
    { name: `${prefix}severity`, label: 'severity', kind: 'select', options: SeveritySchema.options.map((s) => ({ value: s, label: tr('sev', s) })) },
  ];
}

/** The payload of the inputs: empty inputs are left out, whole numbers are numbers, dotted names nest. */
function payloadOf(fields: readonly FieldSpec[], values: Record<string, string>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values[field.name] ?? '';
    // A datetime the picker cannot read is sent as typed, so the schema names the field.
    const value = field.kind === 'int' ? optionalInt(raw) : raw.trim() === '' ? undefined : field.kind === 'datetime' ? (fromLocalInput(raw) ?? raw) : raw;
    if (value === undefined) continue;
    const path = field.name.split('.');
    let target = payload;
    for (const key of path.slice(0, -1)) {
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1] ?? field.name] = value;
  }
  return payload;
}

/** The error of a field, or of a part of it (`attendees.0.name` belongs to the `attendees` input). */
function errorOf(errors: FieldErrors, name: string): string | undefined {
  return errors[name] ?? Object.entries(errors).find(([path]) => path.startsWith(`${name}.`))?.[1];
}

/**
 * A form for one command: the inputs are checked with the command's own zod schema (the one the api
 * applies) before anything is sent, and the api's answer is shown beside the fields it names.
 */
export function CommandForm<S extends z.ZodType>(props: {
  title: string;
  testId: string;
  fields: readonly FieldSpec[];
  schema: S;
  /** Adds what the user does not type (ids, the incident) to the checked inputs. */
  extra?: () => Record<string, unknown>;
  /** Reshapes the payload before it is checked (defaults for nested parts the form does not ask for). */
  prepare?: (payload: Record<string, unknown>) => Record<string, unknown>;
  send(payload: z.output<S>): Promise<unknown>;
  submitLabel?: string;
  onSent?(): void;
  /** More inputs after the fields, kept by the caller (read in `extra`); given the errors so theirs show beside them. */
  more?: (errors: FieldErrors) => ReactNode;
  /** A line under the title (where the report goes, when it is due). */
  note?: ReactNode;
  /** Shown under the inputs and redrawn as they change (the plan's measures for the level being chosen). */
  aside?: (values: Readonly<Record<string, string>>) => ReactNode;
}) {
  const i18n = useI18n();
  const { t, lang } = i18n;
  const initial = Object.fromEntries(props.fields.map((f) => [f.name, f.kind === 'datetime' && f.initial ? toLocalInput(f.initial) : (f.initial ?? '')]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<'sent' | 'queued' | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSent(null);
    const payload = { ...payloadOf(props.fields, values), ...props.extra?.() };
    const checked = check(props.schema, props.prepare ? props.prepare(payload) : payload);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      const answer = await props.send(checked.value);
      setValues(initial);
      // The phone's queue kept it for later (no network): say so, not 已提交.
      setSent(isQueued(answer) ? 'queued' : 'sent');
      props.onSent?.();
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel command-form" onSubmit={(e) => void submit(e)} noValidate data-testid={props.testId}>
      <h3>{props.title}</h3>
      {props.note ? <p className="hint">{props.note}</p> : null}
      {props.fields.map((field) => (
        <Field
          key={field.name}
          name={field.name}
          label={`${t(field.label)}${field.kind === 'datetime' ? ` ${zoneLabel(lang)}` : ''}`}
          tag={field.tag ? t(field.tag) : undefined}
          error={errorOf(errors, field.name)}
        >
          {field.kind === 'select' ? (
            <select name={field.name} value={values[field.name] ?? ''} onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}>
              <option value="">—</option>
              {(field.options ?? []).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          ) : field.kind === 'textarea' ? (
            <textarea name={field.name} value={values[field.name] ?? ''} onChange={(e) => setValues({ ...values, [field.name]: e.target.value })} />
          ) : field.kind === 'datetime' || field.kind === 'date' ? (
            <input
              name={field.name}
              type={field.kind === 'date' ? 'date' : 'datetime-local'}
              step={field.kind === 'datetime' ? 1 : undefined}
              value={values[field.name] ?? ''}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            />
          ) : (
            <input
              name={field.name}
              inputMode={field.kind === 'int' ? 'numeric' : undefined}
              value={values[field.name] ?? ''}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            />
          )}
        </Field>
      ))}
      {props.more?.(errors)}
      {props.aside?.(values)}
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {props.submitLabel ?? t('submit')}
        </button>
        {sent ? (
          <span className="sent" data-testid={`${props.testId}-${sent}`}>
            ✓ {sent === 'queued' ? offlineWord(lang, 'queuedNotice') : t('sent')}
          </span>
        ) : null}
      </div>
    </form>
  );
}
