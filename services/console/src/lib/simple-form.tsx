import { useState, type FormEvent, type ReactNode } from 'react';
import type { z } from 'zod';
import { apiErrors, check, FormError, type FieldErrors } from './forms';
import { useI18n } from './i18n';

export type Values = Record<string, string>;

/**
 * A small form of plain inputs checked with the api's own zod schema before it is sent; the api's
 * refusal is shown beside the field it names (as every console form does).
 */
export function SimpleForm<S extends z.ZodType>(props: {
  title: string;
  testId: string;
  schema: S;
  initial: Values;
  toPayload(values: Values): unknown;
  send(payload: z.output<S>): Promise<unknown>;
  children(values: Values, set: (name: string, value: string) => void, errors: FieldErrors): ReactNode;
  submitLabel: string;
  sentLabel: string;
  onSent(): void;
}) {
  const i18n = useI18n();
  const [values, setValues] = useState<Values>(props.initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setSent(false);
    const checked = check(props.schema, props.toPayload(values));
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      await props.send(checked.value);
      setSent(true);
      props.onSent();
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="panel command-form" onSubmit={(e) => void submit(e)} noValidate data-testid={props.testId}>
      <h3>{props.title}</h3>
      {props.children(values, (name, value) => setValues((v) => ({ ...v, [name]: value })), errors)}
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {props.submitLabel}
        </button>
        {sent ? (
          <span className="sent" data-testid={`${props.testId}-sent`}>
            ✓ {props.sentLabel}
          </span>
        ) : null}
      </div>
    </form>
  );
}

