import type { MusterHttpClient } from '@muster/client';
import { DepotSchema, SetStockSchema } from '@muster/contracts';
import { useState, type FormEvent } from 'react';
import { CommandForm } from '../lib/command-form';
import { apiErrors, check, Field, FormError, newId, optionalInt, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { jurisdictionName, useApp, useLoad } from '../lib/session';

type DepotView = Awaited<ReturnType<MusterHttpClient['listDepots']>>['items'][number];

/**
 * 物资库: the depots of the room and the rooms below it with their stock, kind by kind; the room
 * registers its own depots and takes stock of them (a stocktake sets the counts it lists).
 */
export function DepotsView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, lang } = useI18n();
  const { value, error, reload } = useLoad(() => client.listDepots(), [client]);
  const me = session.user.jurisdiction;
  const keeper = hasRole('duty_officer', 'leader');
  const depots = value?.items ?? [];

  return (
    <section className="depots" data-testid="depots-view">
      <h1>{t('depots')}</h1>
      <p className="hint">{t('depotsHint')}</p>
      <div className="buttons">
        <button type="button" className="secondary" data-testid="depots-refresh" onClick={reload}>
          {t('refresh')}
        </button>
      </div>
      {error ? <p className="form-error">{error.message}</p> : null}
      {value && depots.length === 0 ? <p className="empty">{t('noDepots')}</p> : null}
      {depots.map((d) => (
        <section key={d.depotId} className="panel depot" data-testid="depot" data-depot-name={d.name}>
          <h2>{d.name}</h2>
          <dl className="facts">
            <dt>{t('depotRoom')}</dt>
            <dd data-testid="depot-room">{jurisdictionName(jurisdictions, d.jurisdiction, lang)}</dd>
            <dt>{t('location')}</dt>
            <dd>{d.location ?? '—'}</dd>
          </dl>
          {d.stock.length === 0 ? (
            <p className="empty">{t('noStock')}</p>
          ) : (
            <table className="stock" data-testid="depot-stock-table">
              <thead>
                <tr>
                  <th>{t('stockKind')}</th>
                  <th>{t('stockQuantity')}</th>
                  <th>{t('returnable')}</th>
                </tr>
              </thead>
              <tbody>
                {d.stock.map((s) => (
                  <tr key={s.kind} data-testid="stock-line" data-kind={s.kind}>
                    <td>{s.kind}</td>
                    <td data-testid="stock-quantity">{s.quantity}</td>
                    <td>{s.returnable ? t('yes') : t('no')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {keeper && d.jurisdiction === me ? <StocktakeForm key={stockKey(d)} depot={d} onSaved={reload} /> : null}
        </section>
      ))}
      {keeper ? (
        <CommandForm
          title={t('registerDepot')}
          testId="register-depot"
          schema={DepotSchema}
          fields={[
            { name: 'name', label: 'depotName', kind: 'text' },
            { name: 'location', label: 'location', kind: 'text' },
          ]}
          extra={() => ({ depotId: newId('depot'), jurisdiction: me })}
          send={(body) => client.call('createDepot', { body })}
          onSent={reload}
        />
      ) : null}
    </section>
  );
}

/** A stocktake form starts from the counts it was shown: a new count read from the api starts it anew. */
function stockKey(d: DepotView): string {
  return `${d.depotId}:${d.stock.map((s) => `${s.kind}=${s.quantity}/${String(s.returnable)}`).join(',')}`;
}

interface StockRow {
  key: number;
  kind: string;
  quantity: string;
  returnable: boolean;
}

/** 盘点: the counts of each kind as found (prefilled with the stock on record), more kinds added as rows. */
function StocktakeForm({ depot, onSaved }: { depot: DepotView; onSaved(): void }) {
  const { client } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const [rows, setRows] = useState<StockRow[]>(() =>
    depot.stock.length ? depot.stock.map((s, key) => ({ key, kind: s.kind, quantity: String(s.quantity), returnable: s.returnable })) : [{ key: 0, kind: '', quantity: '', returnable: false }],
  );
  const [next, setNext] = useState(rows.length);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const update = (key: number, change: Partial<StockRow>) => setRows(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = check(SetStockSchema, { items: rows.map((r) => ({ kind: r.kind, quantity: optionalInt(r.quantity), returnable: r.returnable })) });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      await client.call('setStock', { params: { depotId: depot.depotId }, body: checked.value });
      onSaved();
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="command-form stocktake" onSubmit={(e) => void submit(e)} noValidate data-testid="stocktake">
      <h3>{t('stocktake')}</h3>
      {rows.map((row, index) => (
        <div key={row.key} className="stock-row" data-testid="stocktake-row">
          <Field name={`items.${index}.kind`} label={t('stockKind')} error={errors[`items.${index}.kind`]}>
            <input name={`items.${index}.kind`} value={row.kind} onChange={(e) => update(row.key, { kind: e.target.value })} />
          </Field>
          <Field name={`items.${index}.quantity`} label={t('stockQuantity')} error={errors[`items.${index}.quantity`]}>
            <input name={`items.${index}.quantity`} inputMode="numeric" value={row.quantity} onChange={(e) => update(row.key, { quantity: e.target.value })} />
          </Field>
          <label className="check">
            <input type="checkbox" name={`items.${index}.returnable`} checked={row.returnable} onChange={(e) => update(row.key, { returnable: e.target.checked })} />
            {t('returnable')}
          </label>
        </div>
      ))}
      <button
        type="button"
        className="secondary"
        data-testid="stocktake-add"
        onClick={() => {
          setRows([...rows, { key: next, kind: '', quantity: '', returnable: false }]);
          setNext(next + 1);
        }}
      >
        + {t('addStockLine')}
      </button>
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {t('submit')}
        </button>
      </div>
    </form>
  );
}
