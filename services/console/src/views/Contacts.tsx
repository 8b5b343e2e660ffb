import type { Contact } from '@muster/client';
import { ContactSchema, ContactUpdateSchema } from '@muster/contracts';
import { useState, type FormEvent } from 'react';
import { apiErrors, check, Field, FormError, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { useWarningWords } from '../lib/use-warning-words';
import { errorAt } from './WarningContentForm';
import { roomAndBelow } from './Warnings';

const ROLES = ContactSchema.shape.role.options;
const CHANNELS = ContactSchema.shape.channels.element.options;

type ContactInputs = { jurisdiction: string; area: string; areaName: string; name: string; role: string; phone: string; channels: string[] };

const blank = (county: string): ContactInputs => ({ jurisdiction: county, area: '', areaName: '', name: '', role: '', phone: '', channels: ['sms'] });

/**
 * 预警通讯录 (`#/contacts`): the people a warning must reach — township heads, village cadres,
 * reservoir and school contacts — of the room's counties, with their area, phone and channels.
 * The county's room (and the rooms above it) adds, edits and deactivates them; a deactivated contact
 * stays on record but gets no future warning.
 */
export function ContactsView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { lang } = useI18n();
  const { w, wr } = useWarningWords();
  const [showInactive, setShowInactive] = useState(false);
  const contacts = useLoad(() => client.call('listContacts', { query: { active: showInactive ? 'all' : 'true' } }), [client, showInactive]);
  const [editing, setEditing] = useState<string | null>(null);
  const counties = roomAndBelow(session.user.jurisdiction, jurisdictions).filter((code) => {
    const level = jurisdictions.get(code)?.level;
    return level === 'county' || level === 'zone';
  });
  const mayKeep = hasRole('duty_officer', 'leader', 'admin') && counties.length > 0;
  const items = contacts.value?.items ?? [];

  async function deactivate(contact: Contact) {
    await client.call('deactivateContact', { params: { contactId: contact.contactId }, body: {} });
    contacts.reload();
  }

  return (
    <section className="contacts" data-testid="contacts-view">
      <div className="incident-head">
        <h1>{w('contacts')}</h1>
        <a href={href({ view: 'warnings' })}>{w('back')}</a>
      </div>
      <div className="columns">
        <section className="panel">
          <label className="check">
            <input type="checkbox" checked={showInactive} onChange={(e) => setShowInactive(e.target.checked)} />
            {w('showInactive')}
          </label>
          {contacts.error ? <p className="form-error">{contacts.error.message}</p> : null}
          {contacts.value && items.length === 0 ? <p className="empty">{w('noContacts')}</p> : null}
          <table className="grid" data-testid="contact-list">
            <thead>
              <tr>
                <th>{w('contactName')}</th>
                <th>{w('contactRole')}</th>
                <th>{w('contactArea')}</th>
                <th>{w('contactPhone')}</th>
                <th>{w('contactChannels')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((c) =>
                editing === c.contactId ? (
                  <tr key={c.contactId}>
                    <td colSpan={6}>
                      <ContactForm
                        counties={[c.jurisdiction]}
                        initial={{ jurisdiction: c.jurisdiction, area: c.area, areaName: c.areaName, name: c.name, role: c.role, phone: c.phone, channels: [...c.channels] }}
                        onSaved={() => {
                          setEditing(null);
                          contacts.reload();
                        }}
                        onCancel={() => setEditing(null)}
                        contactId={c.contactId}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={c.contactId} className={c.active ? '' : 'inactive'} data-testid="contact-row">
                    <td>{c.name}</td>
                    <td>{wr('crole', c.role)}</td>
                    <td>
                      {jurisdictionName(jurisdictions, c.jurisdiction, lang)}
                      {c.areaName}
                    </td>
                    <td>{c.phone}</td>
                    <td>{c.channels.map((ch) => wr('dchannel', ch)).join('、')}</td>
                    <td>
                      {!c.active ? (
                        w('inactive')
                      ) : mayKeep ? (
                        <>
                          <button type="button" className="link" onClick={() => setEditing(c.contactId)}>
                            {w('editContact')}
                          </button>{' '}
                          <button type="button" className="link" onClick={() => void deactivate(c)} data-testid="deactivate-contact">
                            {w('deactivate')}
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </section>
        {mayKeep ? <ContactForm counties={counties} initial={blank(counties[0] ?? '')} onSaved={contacts.reload} /> : null}
      </div>
    </section>
  );
}

/** 新增联系人, or (with `contactId`) 修改: checked with the api's schema, errors beside the fields. */
function ContactForm({ counties, initial, contactId, onSaved, onCancel }: { counties: string[]; initial: ContactInputs; contactId?: string; onSaved(): void; onCancel?(): void }) {
  const i18n = useI18n();
  const { client, jurisdictions } = useApp();
  const { w, wr } = useWarningWords();
  const [inputs, setInputs] = useState<ContactInputs>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ContactInputs>(key: K, value: ContactInputs[K]) => setInputs({ ...inputs, [key]: value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const payload = {
      jurisdiction: inputs.jurisdiction,
      area: inputs.area.trim(),
      areaName: inputs.areaName.trim(),
      name: inputs.name.trim(),
      role: inputs.role || undefined,
      phone: inputs.phone.trim(),
      channels: inputs.channels,
    };
    setBusy(true);
    try {
      if (contactId) {
        const { jurisdiction: _county, ...changes } = payload;
        const checked = check(ContactUpdateSchema, changes);
        if (!checked.ok) return setErrors(checked.errors);
        await client.call('updateContact', { params: { contactId }, body: checked.value });
      } else {
        const checked = check(ContactSchema, payload);
        if (!checked.ok) return setErrors(checked.errors);
        await client.call('createContact', { body: checked.value });
        setInputs(blank(inputs.jurisdiction));
      }
      setErrors({});
      onSaved();
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  const text = (key: 'area' | 'areaName' | 'name' | 'phone', label: Parameters<typeof w>[0]) => (
    <Field name={key} label={w(label)} error={errorAt(errors, key)}>
      <input name={`contact-${key}`} value={inputs[key]} onChange={(e) => set(key, e.target.value)} />
    </Field>
  );
  return (
    <form className="panel command-form" onSubmit={(e) => void submit(e)} noValidate data-testid={contactId ? 'edit-contact' : 'add-contact'}>
      <h3>{contactId ? w('editContact') : w('addContact')}</h3>
      {contactId ? null : (
        <Field name="jurisdiction" label={w('contactCounty')} error={errorAt(errors, 'jurisdiction')}>
          <select name="contact-county" value={inputs.jurisdiction} onChange={(e) => set('jurisdiction', e.target.value)}>
            {counties.map((code) => (
              <option key={code} value={code}>
                {jurisdictionName(jurisdictions, code, i18n.lang)}
              </option>
            ))}
          </select>
        </Field>
      )}
      {text('name', 'contactName')}
      <Field name="role" label={w('contactRole')} error={errorAt(errors, 'role')}>
        <select name="contact-role" value={inputs.role} onChange={(e) => set('role', e.target.value)}>
          <option value="">—</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {wr('crole', r)}
            </option>
          ))}
        </select>
      </Field>
      {text('areaName', 'contactAreaName')}
      {text('area', 'contactAreaCode')}
      {text('phone', 'contactPhone')}
      <Field name="channels" label={w('contactChannels')} error={errorAt(errors, 'channels')}>
        <span className="checks">
          {CHANNELS.map((c) => (
            <label key={c} className="check">
              <input type="checkbox" checked={inputs.channels.includes(c)} onChange={() => set('channels', inputs.channels.includes(c) ? inputs.channels.filter((x) => x !== c) : [...inputs.channels, c])} />
              {wr('dchannel', c)}
            </label>
          ))}
        </span>
      </Field>
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {w('save')}
        </button>
        {onCancel ? (
          <button type="button" className="link" onClick={onCancel}>
            {i18n.t('cancel')}
          </button>
        ) : null}
      </div>
    </form>
  );
}
