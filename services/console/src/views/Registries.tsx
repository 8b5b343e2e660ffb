import { REGISTRATION_SCHEMAS } from '@muster/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { download } from '../lib/download';
import { apiErrors, check, Field, FormError, newId, optionalInt, type FieldErrors } from '../lib/forms';
import { useI18n, type MessageKey } from '../lib/i18n';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime } from '../lib/time';

type Registry = 'team' | 'expert' | 'shelter' | 'depot';
const TEAM_KINDS = REGISTRATION_SCHEMAS.team.shape.kind.options;
const EXPERT_FIELDS = REGISTRATION_SCHEMAS.expert.shape.fields.element.options;
const DEPOT_OWNERS = REGISTRATION_SCHEMAS.depot.shape.ownerType.options;
const REGISTRIES: readonly Registry[] = ['team', 'expert', 'shelter', 'depot'];
type Entry = Record<string, unknown> & { registry: Registry; id: string; name: string; jurisdiction: string; history: { at: string; type: string; to?: string }[] };
type ImportReport = { dryRun: boolean; rows: number; imported: number; errors: { line: number; field: string; message: string }[] };

const list = (text: string) =>
  text
    .split(/[;；、,，\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * 应急资源登记: the room's rescue teams, experts, shelters and depots, and those of the rooms below it.
 * The room registers and keeps its own (readiness, availability, opening and occupancy, stock counts);
 * every change is recorded with its history. Each registry imports and exports its CSV file.
 */
export function RegistriesView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, tr, lang } = useI18n();
  const [registry, setRegistry] = useState<Registry>('team');
  const { value, error, reload } = useLoad(() => client.call('listEntries', { query: { registry } }), [client, registry]);
  // The incidents an expert can be attached to, or a shelter's occupancy filed under, picked by title.
  const incidents = useLoad(() => client.listIncidents(), [client]);
  const incidentList = (incidents.value?.items ?? []).map((i) => ({ incidentId: i.incidentId, title: i.title }));
  const me = session.user.jurisdiction;
  const keeper = hasRole('duty_officer', 'leader');
  const entries = (value?.items ?? []) as Entry[];
  const send = (entry: Entry, type: string, data: Record<string, unknown>) =>
    client.call('entryCommand', { params: { registry: entry.registry, itemId: entry.id }, body: { type, data } }).then(reload);

  return (
    <section className="registries" data-testid="registries-view">
      <h1>{t('registries')}</h1>
      <p className="hint">{t('registriesHint')}</p>
      <div className="buttons tabs" role="tablist">
        {REGISTRIES.map((r) => (
          <button key={r} type="button" role="tab" aria-selected={r === registry} className={r === registry ? '' : 'secondary'} data-testid={`registry-tab-${r}`} onClick={() => setRegistry(r)}>
            {tr('registry', r)}
          </button>
        ))}
      </div>
      {error ? <p className="form-error">{error.message}</p> : null}
      {value && entries.length === 0 ? <p className="empty">{t('noEntries')}</p> : null}
      {entries.map((e) => (
        <section key={`${e.registry}:${e.id}`} className="panel entry" data-testid="registry-entry" data-entry-name={e.name}>
          <h2>{e.name}</h2>
          <dl className="facts">
            <dt>{t('depotRoom')}</dt>
            <dd data-testid="entry-room">{jurisdictionName(jurisdictions, e.jurisdiction, lang)}</dd>
            <EntryFacts entry={e} />
          </dl>
          {keeper && e.jurisdiction === me ? <EntryActions entry={e} send={send} incidents={incidentList} /> : null}
          {keeper && e.jurisdiction === me ? (
            <details data-testid="entry-edit">
              <summary>{t('editEntry')}</summary>
              <RegisterForm registry={e.registry} entry={e} onSaved={reload} />
            </details>
          ) : null}
          <details>
            <summary data-testid="entry-history-toggle">{t('entryHistory')}</summary>
            <ul data-testid="entry-history">
              {e.history.map((h, i) => (
                <li key={i}>
                  {formatTime(h.at, lang)} · {tr('regevent', h.type)}
                  {h.to ? ` → ${tr('regstate', h.to)}` : ''}
                </li>
              ))}
            </ul>
          </details>
        </section>
      ))}
      {keeper ? <RegisterForm key={registry} registry={registry} onSaved={reload} /> : null}
      <CsvPanel registry={registry} keeper={keeper} onImported={reload} />
    </section>
  );
}

function EntryFacts({ entry: e }: { entry: Entry }) {
  const { t, tr } = useI18n();
  const rows: [MessageKey, ReactNode][] = [];
  switch (e.registry) {
    case 'team': {
      const equipment = (e['equipment'] as { item: string; quantity: number }[]).map((x) => `${x.item} × ${x.quantity}`).join('、');
      const today = new Date().toISOString().slice(0, 10);
      const certs = (e['certifications'] as { name: string; expiresOn: string }[]).map((c) => `${c.name}（${t('validUntil')} ${c.expiresOn}${c.expiresOn < today ? `，${t('expired')}` : ''}）`).join('、');
      rows.push(['teamKind', tr('teamKind', e['kind'] as string)], ['headcount', String(e['headcount'])], ['equipment', equipment || '—'], ['certifications', certs || '—']);
      rows.push(['readiness', <span data-testid="team-readiness">{tr('regstate', e['readiness'] as string)}</span>]);
      break;
    }
    case 'expert':
      rows.push(
        ['expertFields', (e['fields'] as string[]).map((f) => tr('expertField', f)).join('、')],
        ['phone', String(e['phone'])],
        ['expertOrganisation', String(e['organisation'])],
        ['availabilityState', e['available'] ? t('expertAvailable') : t('expertUnavailable')],
      );
      for (const a of e['advice'] as { advice: string }[]) rows.push(['advice', a.advice]);
      break;
    case 'shelter':
      rows.push(
        ['address', String(e['address'])],
        ['capacity', String(e['capacity'])],
        ['occupancy', <span data-testid="shelter-occupancy">{`${String(e['occupancy'])}${e['overCapacity'] ? `（${t('overCapacity')}）` : ''}`}</span>],
        ['shelterState', e['open'] ? t('shelterOpen') : t('shelterClosed')],
        ['shelterFacilities', (e['facilities'] as string[]).join('、') || '—'],
        ['manager', `${String(e['manager'])} ${String(e['managerPhone'])}`],
      );
      break;
    case 'depot': {
      const stock = e['stock'] as { kind: string; quantity: number; unit: string; expiresOn: string | null }[];
      rows.push(['ownerType', `${tr('owner', e['ownerType'] as string)} · ${String(e['ownerName'])}`]);
      rows.push([
        'stock',
        stock.length === 0 ? (
          '—'
        ) : (
          <ul className="stock-lines">
            {stock.map((s) => (
              <li key={s.kind} data-testid="entry-stock" data-kind={s.kind}>
                {s.kind} <span data-testid="entry-stock-quantity">{s.quantity}</span> {s.unit}
                {s.expiresOn ? `（${t('validUntil')} ${s.expiresOn}）` : ''}
              </li>
            ))}
          </ul>
        ),
      ]);
      break;
    }
    default:
      break;
  }
  return (
    <>
      {rows.map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{t(label)}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </>
  );
}

/** What the room does with its own entry: readiness, availability, opening, occupancy, a stock count. */
type IncidentChoice = { incidentId: string; title: string };

function EntryActions({ entry: e, send, incidents }: { entry: Entry; send(entry: Entry, type: string, data: Record<string, unknown>): Promise<unknown>; incidents: readonly IncidentChoice[] }) {
  const i18n = useI18n();
  const { t, tr } = i18n;
  const [errors, setErrors] = useState<FieldErrors>({});
  const [text, setText] = useState<Record<string, string>>({});
  const act = (type: string, data: Record<string, unknown>) => () =>
    void send(e, type, data).then(
      () => {
        setErrors({});
        setText({});
      },
      (error: unknown) => setErrors(apiErrors(error, i18n)),
    );
  const incidentPicker = (name: string, label: MessageKey, choices: readonly IncidentChoice[], none: MessageKey | null) => (
    <Field name={name} label={t(label)} error={errors[`data.${name}`]}>
      <select name={name} value={text[name] ?? ''} onChange={(ev) => setText({ ...text, [name]: ev.target.value })}>
        <option value="">{none ? t(none) : '—'}</option>
        {choices.map((i) => (
          <option key={i.incidentId} value={i.incidentId}>
            {i.title}
          </option>
        ))}
      </select>
    </Field>
  );
  const title = (incidentId: string) => incidents.find((i) => i.incidentId === incidentId)?.title ?? t('anIncident');
  const input = (name: string, label: MessageKey) => (
    <Field name={name} label={t(label)} error={errors[`data.${name}`] ?? errors[`data.items.0.${name}`]}>
      <input name={name} value={text[name] ?? ''} onChange={(ev) => setText({ ...text, [name]: ev.target.value })} />
    </Field>
  );
  let body: ReactNode = null;
  switch (e.registry) {
    case 'team':
      body = (['available', 'resting', 'out_of_service'] as const)
        .filter((r) => r !== e['readiness'] && e['readiness'] !== 'assigned')
        .map((r) => (
          <button key={r} type="button" className="secondary" data-testid={`readiness-${r}`} onClick={act('ChangeReadiness', { readiness: r })}>
            {t('setReadiness')}：{tr('regstate', r)}
          </button>
        ));
      break;
    case 'expert': {
      const attached = [...new Set((e['attachments'] as { incidentId: string }[]).map((a) => a.incidentId))];
      body = (
        <>
          <button type="button" className="secondary" data-testid="expert-availability" onClick={act('ChangeExpertAvailability', { available: !e['available'] })}>
            {e['available'] ? t('markUnavailable') : t('markAvailable')}
          </button>
          {e['available'] ? (
            <div className="stock-row" data-testid="expert-attach">
              {incidentPicker('attachTo', 'attachTo', incidents, null)}
              {input('consultation', 'consultationTitle')}
              <button
                type="button"
                className="secondary"
                data-testid="expert-attach-submit"
                onClick={act('AttachExpert', { incidentId: text['attachTo'] ?? '', ...(text['consultation']?.trim() ? { consultation: text['consultation'] } : {}) })}
              >
                {t('attachExpert')}
              </button>
            </div>
          ) : null}
          {attached.length > 0 ? (
            <div className="stock-row" data-testid="expert-advice">
              {incidentPicker('adviceOn', 'adviceOn', attached.map((incidentId) => ({ incidentId, title: title(incidentId) })), null)}
              <Field name="advice" label={t('advice')} error={errors['data.advice']}>
                <textarea name="advice" rows={3} value={text['advice'] ?? ''} onChange={(ev) => setText({ ...text, advice: ev.target.value })} />
              </Field>
              <button type="button" className="secondary" data-testid="expert-advice-submit" onClick={act('RecordAdvice', { incidentId: text['adviceOn'] ?? '', advice: text['advice'] ?? '' })}>
                {t('recordAdvice')}
              </button>
            </div>
          ) : null}
        </>
      );
      break;
    }
    case 'shelter':
      body = (
        <>
          <button type="button" className="secondary" data-testid="shelter-open-close" onClick={act(e['open'] ? 'CloseShelter' : 'OpenShelter', {})}>
            {e['open'] ? t('closeShelter') : t('openShelter')}
          </button>
          {input('occupancy', 'occupancy')}
          {incidentPicker('occupancyIncident', 'shelteredFrom', incidents, 'noIncidentChosen')}
          <button
            type="button"
            className="secondary"
            data-testid="shelter-report"
            onClick={act('ReportOccupancy', { occupancy: optionalInt(text['occupancy'] ?? ''), ...(text['occupancyIncident'] ? { incidentId: text['occupancyIncident'] } : {}) })}
          >
            {t('reportOccupancy')}
          </button>
        </>
      );
      break;
    case 'depot':
      body = (
        <div className="stock-row" data-testid="stock-count">
          {input('kind', 'stockKind')}
          {input('quantity', 'stockQuantity')}
          {input('unit', 'unit')}
          {input('expiresOn', 'expiresOn')}
          <button
            type="button"
            className="secondary"
            data-testid="stock-count-submit"
            onClick={act('CountStock', {
              items: [{ kind: text['kind'] ?? '', quantity: optionalInt(text['quantity'] ?? ''), unit: text['unit'] || '件', returnable: true, expiresOn: text['expiresOn'] || null }],
            })}
          >
            {t('stocktake')}
          </button>
        </div>
      );
      break;
    default:
      break;
  }
  return (
    <div className="entry-actions">
      {body}
      <FormError errors={errors} />
    </div>
  );
}

type Options = readonly string[];
type FieldSpec = [name: string, label: MessageKey, kind: 'text' | 'number' | 'select', options?: Options];
const FIELDS: Record<Registry, FieldSpec[]> = {
  team: [
    ['name', 'entryName', 'text'],
    ['kind', 'teamKind', 'select', TEAM_KINDS],
    ['headcount', 'headcount', 'number'],
    ['equipment', 'equipmentInput', 'text'],
    ['certifications', 'certificationsInput', 'text'],
    ['lat', 'lat', 'text'],
    ['lon', 'lon', 'text'],
  ],
  expert: [
    ['name', 'entryName', 'text'],
    ['fields', 'expertFields', 'select', EXPERT_FIELDS],
    ['phone', 'phone', 'text'],
    ['organisation', 'expertOrganisation', 'text'],
  ],
  shelter: [
    ['name', 'entryName', 'text'],
    ['address', 'address', 'text'],
    ['capacity', 'capacity', 'number'],
    ['facilities', 'shelterFacilities', 'text'],
    ['manager', 'manager', 'text'],
    ['managerPhone', 'phone', 'text'],
    ['lat', 'lat', 'text'],
    ['lon', 'lon', 'text'],
  ],
  depot: [
    ['name', 'entryName', 'text'],
    ['ownerType', 'ownerType', 'select', DEPOT_OWNERS],
    ['ownerName', 'ownerName', 'text'],
    ['location', 'location', 'text'],
    ['lat', 'lat', 'text'],
    ['lon', 'lon', 'text'],
  ],
};

const number = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number.isFinite(Number(v)) ? Number(v) : v);

/** The registration the form's text stands for, as the api takes it. */
function registrationOf(registry: Registry, v: Record<string, string>, jurisdiction: string, id: string): Record<string, unknown> {
  const position = (v['lat'] ?? '') === '' && (v['lon'] ?? '') === '' ? null : { lat: number(v['lat']), lon: number(v['lon']) };
  const base = { id, jurisdiction, name: v['name'] ?? '' };
  switch (registry) {
    case 'team':
      return {
        ...base,
        kind: v['kind'] ?? TEAM_KINDS[0],
        headcount: optionalInt(v['headcount'] ?? ''),
        equipment: list(v['equipment'] ?? '').map((part) => {
          const [item = '', quantity = '1'] = part.split(/[×x*:：]/);
          return { item: item.trim(), quantity: optionalInt(quantity.trim()) };
        }),
        certifications: list(v['certifications'] ?? '').map((part) => {
          const at = part.search(/[:：]\s*\d{4}-/);
          return at < 0 ? { name: part, expiresOn: '' } : { name: part.slice(0, at).trim(), expiresOn: part.slice(at + 1).trim() };
        }),
        position,
      };
    case 'expert':
      return { ...base, fields: [v['fields'] ?? EXPERT_FIELDS[0]], phone: v['phone'] ?? '', organisation: v['organisation'] ?? '' };
    case 'shelter':
      return { ...base, address: v['address'] ?? '', capacity: optionalInt(v['capacity'] ?? ''), facilities: list(v['facilities'] ?? ''), manager: v['manager'] ?? '', managerPhone: v['managerPhone'] ?? '', position };
    case 'depot':
      return { ...base, ownerType: v['ownerType'] ?? DEPOT_OWNERS[0], ownerName: v['ownerName'] ?? '', location: v['location']?.trim() ? v['location'] : null, position };
    default:
      return base;
  }
}

/** The form's text of an entry, for its edit form. */
function valuesOf(e: Entry): Record<string, string> {
  const v: Record<string, string> = {};
  for (const [key, value] of Object.entries(e)) if (typeof value === 'string' || typeof value === 'number') v[key] = String(value);
  const position = e['position'] as { lat: number; lon: number } | null | undefined;
  if (position) Object.assign(v, { lat: String(position.lat), lon: String(position.lon) });
  if (e.registry === 'team') {
    v['equipment'] = (e['equipment'] as { item: string; quantity: number }[]).map((x) => `${x.item}×${x.quantity}`).join('；');
    v['certifications'] = (e['certifications'] as { name: string; expiresOn: string }[]).map((c) => `${c.name}:${c.expiresOn}`).join('；');
  }
  if (e.registry === 'expert') v['fields'] = (e['fields'] as string[])[0] ?? '';
  if (e.registry === 'shelter') v['facilities'] = (e['facilities'] as string[]).join('；');
  if (e.registry === 'depot') v['location'] = (e['location'] as string | null) ?? '';
  return v;
}

const UPDATE: Record<Registry, string> = { team: 'UpdateTeam', expert: 'UpdateExpert', shelter: 'UpdateShelter', depot: 'UpdateDepot' };

/** Registers an entry of the room, or (given `entry`) changes one: the same fields, sent as its Update command. */
function RegisterForm({ registry, entry, onSaved }: { registry: Registry; entry?: Entry; onSaved(): void }) {
  const { client, session } = useApp();
  const i18n = useI18n();
  const { t, tr } = i18n;
  const [values, setValues] = useState<Record<string, string>>(() => (entry ? valuesOf(entry) : {}));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = check(REGISTRATION_SCHEMAS[registry], registrationOf(registry, values, entry?.jurisdiction ?? session.user.jurisdiction, entry?.id ?? newId(registry)));
    if (!checked.ok) {
      // The form's lat/lon stand for the position.
      const errs = { ...checked.errors };
      for (const [k, m] of Object.entries(checked.errors)) if (k.startsWith('position')) errs[k.endsWith('lon') ? 'lon' : 'lat'] = m;
      return setErrors(errs);
    }
    setBusy(true);
    try {
      if (entry) {
        const { id: _id, jurisdiction: _jurisdiction, ...changes } = checked.value;
        await client.call('entryCommand', { params: { registry, itemId: entry.id }, body: { type: UPDATE[registry], data: { changes } } });
      } else {
        await client.call('registerEntry', { body: { registry, ...checked.value } });
        setValues({});
      }
      setErrors({});
      onSaved();
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="command-form" onSubmit={(e) => void submit(e)} noValidate data-testid={entry ? `edit-${registry}` : `register-${registry}`}>
      <h3>
        {entry ? t('editEntry') : t('registerEntry')}：{tr('registry', registry)}
      </h3>
      {FIELDS[registry].map(([name, label, kind, options]) => (
        <Field key={name} name={name} label={t(label)} error={errors[name] ?? errors[`${name}.0`] ?? errors[`${name}.0.quantity`]}>
          {kind === 'select' ? (
            <select name={name} value={values[name] ?? options?.[0] ?? ''} onChange={(e) => setValues({ ...values, [name]: e.target.value })}>
              {(options ?? []).map((o) => (
                <option key={o} value={o}>
                  {tr(name === 'kind' ? 'teamKind' : name === 'fields' ? 'expertField' : 'owner', o)}
                </option>
              ))}
            </select>
          ) : (
            <input name={name} inputMode={kind === 'number' ? 'numeric' : undefined} value={values[name] ?? ''} onChange={(e) => setValues({ ...values, [name]: e.target.value })} />
          )}
        </Field>
      ))}
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {t('submit')}
        </button>
      </div>
    </form>
  );
}

/** CSV of a registry: check a file (every bad row by line and column), import it (all rows or none), export. */
function CsvPanel({ registry, keeper, onImported }: { registry: Registry; keeper: boolean; onImported(): void }) {
  const { client } = useApp();
  const i18n = useI18n();
  const { t, tr } = i18n;
  const [file, setFile] = useState<Registry | 'stock'>(registry);
  const [csv, setCsv] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const files: (Registry | 'stock')[] = registry === 'depot' ? ['depot', 'stock'] : [registry];
  const current = files.includes(file) ? file : registry;

  async function run(dryRun: boolean) {
    setErrors({});
    try {
      const answer = await client.call('importEntries', { body: { file: current, csv, dryRun } });
      setReport(answer);
      if (!dryRun) onImported();
    } catch (error) {
      setReport(null);
      setErrors(apiErrors(error, i18n));
    }
  }

  return (
    <section className="panel csv" data-testid="registry-csv">
      <h3>{t('csvTitle')}</h3>
      {files.length > 1 ? (
        <select name="file" value={current} onChange={(e) => setFile(e.target.value as Registry | 'stock')}>
          {files.map((f) => (
            <option key={f} value={f}>
              {tr('csvFile', f)}
            </option>
          ))}
        </select>
      ) : null}
      <div className="buttons">
        <button type="button" className="secondary" data-testid="csv-export" onClick={() => void client.exportRegistry({ file: current }).then((text) => download(`${tr('csvFile', current)}.csv`, 'text/csv;charset=utf-8', text))}>
          {t('csvExport')}
        </button>
      </div>
      {keeper ? (
        <>
          <Field name="csv" label={t('csvText')} error={errors['csv']}>
            <textarea name="csv" rows={6} value={csv} onChange={(e) => setCsv(e.target.value)} />
          </Field>
          {/* The browser's own file button would speak its own language: a labelled button opens it. */}
          <label className="button secondary file-pick">
            {t('csvChooseFile')}
            <input type="file" accept=".csv,text/csv" hidden data-testid="csv-file" onChange={(e) => void e.target.files?.[0]?.text().then(setCsv)} />
          </label>
          <div className="buttons">
            <button type="button" className="secondary" data-testid="csv-check" onClick={() => void run(true)}>
              {t('csvCheck')}
            </button>
            <button type="button" data-testid="csv-import" onClick={() => void run(false)}>
              {t('csvImport')}
            </button>
          </div>
          <FormError errors={errors} />
          {report ? (
            <div data-testid="csv-report">
              <p>{report.dryRun ? `${t('csvChecked')}：${report.rows}` : `${t('csvImported')}：${report.imported}`}</p>
              {report.errors.length ? (
                <table>
                  <thead>
                    <tr>
                      <th>{t('csvLine')}</th>
                      <th>{t('csvField')}</th>
                      <th>{t('csvProblem')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.errors.map((e) => (
                      <tr key={`${e.line}-${e.field}`} data-testid="csv-error">
                        <td>{e.line}</td>
                        <td>{e.field}</td>
                        <td>{e.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

