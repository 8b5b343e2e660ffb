import { CreateResourceRequestSchema, RequestedItemSchema } from '@muster/contracts';
import { useEffect, useState, type FormEvent } from 'react';
import { apiErrors, check, Field, FormError, optionalInt, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { fill } from '../lib/reports';
import { useOffline } from '../lib/offline-sync';
import { useOfflineWords } from '../lib/offline-text';
import { useApp } from '../lib/session';

interface ItemRow {
  /** A key for React only: rows are added and removed in any order. */
  key: number;
  kind: string;
  quantity: string;
  priority: string;
  deliverTo: string;
}

const PAYLOAD = CreateResourceRequestSchema.shape.data;

/**
 * The commander's resource request (ICS 213RR) from the phone: as many item rows as needed (kind,
 * quantity, priority, where to deliver), one justification, sent as one request. The rows are checked
 * with the api's own schema first; a bad entry shows beside its field and nothing is sent.
 */
export function RequestForm({ incidentId, deliverTo, onSent }: { incidentId: string; deliverTo: string; onSent(): void }) {
  const offline = useOffline();
  const i18n = useI18n();
  const { t, tr } = i18n;
  const w = useOfflineWords();
  const [next, setNext] = useState(1);
  const blank = (key: number): ItemRow => ({ key, kind: '', quantity: '', priority: 'urgent', deliverTo });
  const [rows, setRows] = useState<ItemRow[]>(() => [blank(0)]);
  const [justification, setJustification] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<'sent' | 'queued' | null>(null);
  const priorities = RequestedItemSchema.shape.priority.options;
  const kinds = useKnownKinds();

  const update = (key: number, change: Partial<ItemRow>) => setRows(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  function addRow() {
    setRows([...rows, blank(next)]);
    setNext(next + 1);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSent(null);
    const payload = {
      items: rows.map((r) => ({ kind: r.kind, quantity: optionalInt(r.quantity), priority: r.priority, deliverTo: r.deliverTo })),
      ...(justification.trim() ? { justification } : {}),
    };
    const checked = check(PAYLOAD, payload);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      // Through the phone's queue (issue 20): sent at once when it can be, else kept and sent in order later.
      const { queued } = await offline.submit({ kind: 'request', incidentId, type: 'SubmitResourceRequest', data: checked.value });
      setRows([blank(next)]);
      setNext(next + 1);
      setJustification('');
      setSent(queued ? 'queued' : 'sent');
      onSent();
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel command-form request-form" onSubmit={(e) => void submit(e)} noValidate data-testid="request-resources">
      <h3>{t('requestResources')}</h3>
      <datalist id="known-kinds" data-testid="known-kinds">
        {kinds.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      {rows.map((row, index) => (
        <fieldset key={row.key} className="item-row" data-testid="request-item-row">
          <legend>{fill(t('itemNo'), { n: String(index + 1) })}</legend>
          <Field name={`items.${index}.kind`} label={t('kind')} error={errors[`items.${index}.kind`]}>
            <input name={`items.${index}.kind`} list="known-kinds" value={row.kind} onChange={(e) => update(row.key, { kind: e.target.value })} />
          </Field>
          <Field name={`items.${index}.quantity`} label={t('quantity')} error={errors[`items.${index}.quantity`]}>
            <input name={`items.${index}.quantity`} inputMode="numeric" value={row.quantity} onChange={(e) => update(row.key, { quantity: e.target.value })} />
          </Field>
          <Field name={`items.${index}.priority`} label={t('priority')} error={errors[`items.${index}.priority`]}>
            <select name={`items.${index}.priority`} value={row.priority} onChange={(e) => update(row.key, { priority: e.target.value })}>
              {priorities.map((p) => (
                <option key={p} value={p}>
                  {tr('priority', p)}
                </option>
              ))}
            </select>
          </Field>
          <Field name={`items.${index}.deliverTo`} label={t('deliverTo')} error={errors[`items.${index}.deliverTo`]}>
            <input name={`items.${index}.deliverTo`} value={row.deliverTo} onChange={(e) => update(row.key, { deliverTo: e.target.value })} />
          </Field>
          {rows.length > 1 ? (
            <button type="button" className="secondary" data-testid="remove-item" onClick={() => setRows(rows.filter((r) => r.key !== row.key))}>
              {t('removeItem')}
            </button>
          ) : null}
        </fieldset>
      ))}
      {errors['items'] ? (
        <p className="field-error" role="alert" data-testid="error-items">
          {errors['items']}
        </p>
      ) : null}
      <button type="button" className="secondary" data-testid="add-item" onClick={addRow}>
        + {t('addItem')}
      </button>
      <Field name="justification" label={t('justification')} error={errors['justification']}>
        <textarea name="justification" value={justification} onChange={(e) => setJustification(e.target.value)} />
      </Field>
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {t('submit')}
        </button>
        {sent ? (
          <span className="sent" data-testid={`request-resources-${sent}`}>
            ✓ {sent === 'queued' ? w('queuedNotice') : t('sent')}
          </span>
        ) : null}
      </div>
    </form>
  );
}

/**
 * The kinds of stock the commander's room and the rooms below it hold (the availability view, issue
 * 23), offered as the item kinds to pick, so a request names a kind the depots know. Without the
 * network the kinds are simply not offered: typing one still works.
 */
function useKnownKinds(): string[] {
  const { client } = useApp();
  const [kinds, setKinds] = useState<string[]>([]);
  useEffect(() => {
    let current = true;
    client.call('availability', { query: {} }).then(
      (view) => current && setKinds([...new Set(view.stock.map((s) => s.kind))].sort()),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client]);
  return kinds;
}
