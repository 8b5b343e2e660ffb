import type { Interview, Jurisdiction } from '@muster/client';
import { InterviewSchema } from '@muster/contracts';
import { useEffect, useState } from 'react';
import { CommandForm } from '../lib/command-form';
import { useI18n, type I18n } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime, toLocalInput } from '../lib/time';

/** The rooms strictly below `room` in the loaded tree. */
function roomsBelow(tree: ReadonlyMap<string, Jurisdiction>, room: string): Jurisdiction[] {
  return [...tree.values()].filter((j) => {
    for (let up = j.parent; up; up = tree.get(up)?.parent) if (up === room) return true;
    return false;
  });
}

/** Lines of a textarea, trimmed, empty ones dropped. */
const lines = (text: unknown): string[] =>
  typeof text === 'string'
    ? text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
    : [];
/** Words of a line: separated by spaces or Chinese and Western commas. */
const words = (line: string): string[] => line.split(/[\s,，、]+/).filter((w) => w.length > 0);

/** A report as a duty officer names it (初报, 续报2 …) read as its key; a key typed as such stays. */
function reportKeyOf(word: string): string {
  const followUp = /^续报(\d+)$/.exec(word);
  if (followUp) return `followUp-${followUp[1] ?? ''}`;
  if (word === '电话报告' || word === '电话') return 'phone';
  if (word === '初报' || word === '书面初报') return 'initial';
  if (word === '终报') return 'final';
  return word;
}

/** A report's key as the plan names it: 书面初报, 续报 2 … */
function reportLabel(key: string, t: I18n['t']): string {
  const followUp = /^followUp-(\d+)$/.exec(key);
  if (followUp) return `${t('report.followUp')} ${followUp[1] ?? ''}`;
  if (key === 'phone' || key === 'initial' || key === 'final') return t(`report.${key}`);
  return key;
}

/** The titles of the incidents the records name, for those the room may read. */
function useIncidentTitles(items: readonly Interview[]): ReadonlyMap<string, string> {
  const { client } = useApp();
  const [titles, setTitles] = useState<ReadonlyMap<string, string>>(new Map());
  const ids = [...new Set(items.flatMap((i) => i.lateReports.map((r) => r.incidentId)))].sort();
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    void Promise.all(ids.map(async (id) => [id, (await client.getIncident(id).catch(() => null))?.title] as const)).then((pairs) => {
      if (live) setTitles(new Map(pairs.flatMap(([id, title]) => (title ? [[id, title] as const] : []))));
    });
    return () => {
      live = false;
    };
    // `key` stands for `ids`: read again only when the records name other incidents.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);
  return titles;
}

/**
 * 约谈记录: interviews a room held with a room below it about repeated lateness (信息报送考核). The
 * rooms above keep them; the interviewed room and the rooms above it read them.
 */
export function InterviewsView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, lang } = useI18n();
  const room = session.user.jurisdiction;
  const [filter, setFilter] = useState('');
  const { value, error, reload } = useLoad(() => client.listInterviews(filter ? { jurisdiction: filter } : {}), [client, filter]);
  const items = value?.items ?? [];
  const titles = useIncidentTitles(items);
  const below = roomsBelow(jurisdictions, room);
  const keeps = hasRole('duty_officer', 'leader', 'admin') && below.length > 0;
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const today = toLocalInput(new Date().toISOString()).slice(0, 10);

  return (
    <section data-testid="interviews-view">
      <nav className="tabs">
        <a href={href({ view: 'board' })}>← {t('board')}</a>
      </nav>
      <h1>{t('interviews')}</h1>
      <label className="scope">
        {t('filterRoom')}
        <select value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="interviews-filter">
          <option value="">{t('allRooms')}</option>
          {[jurisdictions.get(room), ...below]
            .filter((j): j is Jurisdiction => j !== undefined)
            .map((j) => (
              <option key={j.code} value={j.code}>
                {roomName(j.code)}
              </option>
            ))}
        </select>
      </label>
      <div className="columns">
        <section className="panel">
          {error ? <p className="form-error">{error.message}</p> : null}
          {value && items.length === 0 ? <p className="empty">{t('noInterviews')}</p> : null}
          <ul className="interviews">
            {items.map((i) => (
              <li key={i.interviewId} data-testid="interview">
                <strong>{roomName(i.jurisdiction)}</strong> · {i.heldOn} · {t('interviewer')}：{roomName(i.interviewerJurisdiction)}
                <dl className="facts">
                  <dt>{t('interviewReason')}</dt>
                  <dd>{i.reason}</dd>
                  {i.lateReports.length ? (
                    <>
                      <dt>{t('lateReportsShort')}</dt>
                      <dd>{i.lateReports.map((r) => `${titles.get(r.incidentId) ?? t('incident')} ${reportLabel(r.reportKey, t)}`).join('；')}</dd>
                    </>
                  ) : null}
                  <dt>{t('attendeesShort')}</dt>
                  <dd>{i.attendees.map((a) => [a.name, a.unit, a.post].filter(Boolean).join(' ')).join('；')}</dd>
                  <dt>{t('outcome')}</dt>
                  <dd>{i.outcome}</dd>
                  {i.followUp ? (
                    <>
                      <dt>{t('followUp')}</dt>
                      <dd>{i.followUp}</dd>
                    </>
                  ) : null}
                  <dt>{t('recordedBy')}</dt>
                  <dd>{formatTime(i.recordedAt, lang)}</dd>
                </dl>
              </li>
            ))}
          </ul>
        </section>
        {keeps ? (
          <CommandForm
            title={t('recordInterview')}
            testId="record-interview"
            schema={InterviewSchema}
            fields={[
              { name: 'jurisdiction', label: 'interviewedRoom', kind: 'select', options: below.map((j) => ({ value: j.code, label: roomName(j.code) })) },
              { name: 'heldOn', label: 'heldOn', kind: 'date', initial: today },
              { name: 'reason', label: 'interviewReason', kind: 'textarea' },
              { name: 'lateReports', label: 'lateReports', kind: 'textarea' },
              { name: 'attendees', label: 'attendees', kind: 'textarea' },
              { name: 'outcome', label: 'outcome', kind: 'textarea' },
              { name: 'followUp', label: 'followUp', kind: 'textarea' },
            ]}
            prepare={(payload) => ({
              ...payload,
              lateReports: lines(payload['lateReports']).map((line) => {
                const [incidentId = '', reportKey = ''] = words(line);
                return { incidentId, reportKey: reportKeyOf(reportKey) };
              }),
              attendees: lines(payload['attendees']).map((line) => {
                const [name = '', unit, post] = words(line);
                return { name, ...(unit ? { unit } : {}), ...(post ? { post } : {}) };
              }),
            })}
            send={(data) => client.recordInterview(data)}
            submitLabel={t('recordInterview')}
            onSent={reload}
          />
        ) : null}
      </div>
      <p className="hint">{t('timesIn')}</p>
    </section>
  );
}
