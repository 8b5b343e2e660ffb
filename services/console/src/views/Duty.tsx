import { useMemo } from 'react';
import { CommandForm } from '../lib/command-form';
import { dutyDays, shiftFormSchema, shiftsOn, watchOutcome } from '../lib/duty';
import { useI18n } from '../lib/i18n';
import { peopleOptions, usePeople } from '../lib/people';
import { nameIn } from '../lib/reports';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime, zoneLabel } from '../lib/time';

/** The roster shows today and the six days after it. */
const ROSTER_DAYS = 7;
const POSTS = ['leader', 'duty_officer'] as const;

/**
 * 值班室: the room's roster (值班表) for today and the coming days, who is on duty now, a new shift,
 * and the whole watch log (值班记录) newest first with what became of each call. Times in Beijing time.
 */
export function DutyView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, tr, lang } = useI18n();
  const room = session.user.jurisdiction;
  // Fixed for the life of the screen: a reload after adding a shift asks for the same days.
  const days = useMemo(() => dutyDays(new Date(), ROSTER_DAYS), []);
  const first = days[0];
  const last = days[days.length - 1];
  const shifts = useLoad(() => client.call('listShifts', { query: { jurisdiction: room, from: first?.from, to: last?.to } }), [client, room]);
  const onDuty = useLoad(() => client.call('onDuty', { query: { jurisdiction: room } }), [client, room]);
  const watch = useLoad(() => client.listWatchEntries({ jurisdiction: room, limit: 100 }), [client, room]);
  const entries = watch.value?.items ?? [];
  const incidentIds = [...new Set(entries.flatMap((e) => (e.incidentId ? [e.incidentId] : [])))];
  // The incidents the log's calls became, read for their titles: a call is named by what it became, never by an id.
  const titles = useLoad(
    async () => new Map(await Promise.all(incidentIds.map(async (id) => [id, await client.getIncident(id).then((i) => i.title, () => '—')] as const))),
    [client, incidentIds.join(',')],
  );
  const { people } = usePeople([room]);
  const person = (userId: string) => {
    const known = people.find((p) => p.userId === userId);
    return known ? nameIn(known.name, lang) : '—';
  };
  const officers = peopleOptions(people.filter((p) => p.roles.some((r) => r === 'duty_officer' || r === 'leader')).map((p) => ({ ...p, name: nameIn(p.name, lang) })));
  // The room keeps its own roster (the catalog's duty-records rule: its duty officers and leaders).
  const mayAddShift = hasRole('duty_officer', 'leader');
  const reload = () => {
    shifts.reload();
    onDuty.reload();
  };
  const shiftSchema = useMemo(() => shiftFormSchema(t('endsAfterStart')), [t]);
  const time = (iso: string) => formatTime(iso, lang, { zone: false });

  return (
    <section className="duty" data-testid="duty-view">
      <h1>
        {t('dutyRoom')} · {jurisdictionName(jurisdictions, room, lang)}
      </h1>
      <p className="hint">{zoneLabel(lang)}</p>
      <div className="columns">
        <section className="panel" data-testid="on-duty">
          <h2>{t('onDutyNow')}</h2>
          {onDuty.value && onDuty.value.items.length === 0 ? <p className="empty">{t('nobodyOnDuty')}</p> : null}
          <ul className="shifts">
            {(onDuty.value?.items ?? []).map((s) => (
              <li key={s.shiftId} data-testid="on-duty-officer">
                <strong>{tr('post', s.post)}</strong> {nameIn(s.officer.name, lang)}
                {s.officer.phone ? ` · ${s.officer.phone}` : ''} · {time(s.startsAt)} — {time(s.endsAt)}
              </li>
            ))}
          </ul>
          {onDuty.error ? <p className="form-error">{onDuty.error.message}</p> : null}
        </section>

        {mayAddShift ? (
          <CommandForm
            title={t('addShift')}
            testId="add-shift"
            schema={shiftSchema}
            fields={[
              { name: 'post', label: 'post', kind: 'select', options: POSTS.map((p) => ({ value: p, label: tr('post', p) })), initial: 'duty_officer' },
              { name: 'officer', label: 'officer', kind: 'select', options: officers },
              { name: 'officerPhone', label: 'officerPhone', kind: 'text' },
              { name: 'startsAt', label: 'startsAt', kind: 'datetime' },
              { name: 'endsAt', label: 'endsAt', kind: 'datetime' },
            ]}
            extra={() => ({ jurisdiction: room })}
            // The picker holds a login id; the roster names the officer as the directory does, with a phone when given.
            prepare={({ officer, officerPhone, ...rest }) => {
              const picked = people.find((p) => p.userId === officer);
              return { ...rest, officer: picked ? { userId: picked.userId, name: picked.name, ...(typeof officerPhone === 'string' ? { phone: officerPhone } : {}) } : undefined };
            }}
            send={(shift) => client.call('createShift', { body: shift })}
            onSent={reload}
            note={officers.length ? undefined : t('noPeople')}
          />
        ) : null}
      </div>

      <section className="panel" data-testid="roster">
        <h2>{t('roster')}</h2>
        {days.map((day, n) => {
          const list = shiftsOn(shifts.value?.items ?? [], day);
          return (
            <div key={day.date} className="roster-day" data-testid="roster-day" data-date={day.date}>
              <h3>
                {day.date}
                {n === 0 ? ` · ${t('today')}` : ''}
              </h3>
              {list.length === 0 ? (
                <p className="empty">{t('noShifts')}</p>
              ) : (
                <ul className="shifts">
                  {list.map((s) => (
                    <li key={s.shiftId} data-testid="roster-shift">
                      <strong>{tr('post', s.post)}</strong> {nameIn(s.officer.name, lang)}
                      {s.officer.phone ? ` · ${s.officer.phone}` : ''} · {time(s.startsAt)} — {time(s.endsAt)}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          );
        })}
        {shifts.error ? <p className="form-error">{shifts.error.message}</p> : null}
      </section>

      <section className="panel" data-testid="watch-history">
        <h2>{t('watchHistory')}</h2>
        {watch.value && entries.length === 0 ? <p className="empty">{t('noWatchEntries')}</p> : null}
        <ul className="watch-entries">
          {entries.map((entry) => (
            <li key={entry.entryId} data-testid="watch-history-entry" data-status={entry.status}>
              <div>
                <strong>{tr('channel', entry.channel)}</strong> · {time(entry.receivedAt)} · {entry.place}
              </div>
              <div className="summary">{entry.course}</div>
              <div className="summary">
                {[entry.caller.name, entry.caller.unit, entry.caller.phone].filter(Boolean).join(' · ')} — {t('recorderName')}：{entry.recorderName}
              </div>
              <div className="outcome" data-testid="watch-outcome">
                {watchOutcome(entry, { tr, incidentTitle: (id) => titles.value?.get(id) ?? '…', person })}
              </div>
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}
