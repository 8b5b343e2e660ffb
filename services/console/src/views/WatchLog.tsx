import type { WatchEntry } from '@muster/client';
import { TriageSchema, WatchEntrySchema } from '@muster/contracts';
import { useEffect } from 'react';
import { classificationFields, CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { useApp, useLoad } from '../lib/session';
import { formatTime } from '../lib/time';

const CHANNELS = ['phone', 'informant', 'new_media', 'public', 'unit', 'sensor'] as const;

/**
 * 值班记录: every report that reaches the room is logged first (who called, from where, what they
 * said), then triaged: it becomes an incident, joins one, or is dismissed with a reason.
 */
export function WatchLog({ onIncident }: { onIncident(incidentId: string): void }) {
  const { client, session } = useApp();
  const { t, tr, lang } = useI18n();
  const room = session.user.jurisdiction;
  const entries = useLoad(() => client.listWatchEntries({ jurisdiction: room, status: 'open', limit: 50 }), [client, room]);
  // Other officers of the room log calls too; the log is not on the live feed, so look again now and then.
  useEffect(() => {
    const timer = setInterval(entries.reload, 15_000);
    return () => clearInterval(timer);
  }, [entries.reload]);
  const open: WatchEntry[] = entries.value?.items ?? [];

  return (
    <section className="panel" data-testid="watch-log">
      <h2>
        {t('watchLog')} ({open.length})
      </h2>
      <details>
        <summary data-testid="open-log-call">+ {t('logCall')}</summary>
        <CommandForm
          title={t('logCall')}
          testId="log-call"
          schema={WatchEntrySchema}
          fields={[
            { name: 'channel', label: 'channel', kind: 'select', options: CHANNELS.map((c) => ({ value: c, label: tr('channel', c) })), initial: 'phone' },
            { name: 'place', label: 'location', kind: 'text' },
            { name: 'course', label: 'course', kind: 'textarea' },
            { name: 'caller.name', label: 'callerName', kind: 'text' },
            { name: 'caller.phone', label: 'callerPhone', kind: 'text' },
            { name: 'caller.unit', label: 'callerUnit', kind: 'text' },
            { name: 'recorderName', label: 'recorderName', kind: 'text', initial: session.user.name ?? session.user.userId },
          ]}
          extra={() => ({ jurisdiction: room, receivedAt: new Date().toISOString() })}
          prepare={(payload) => ({ caller: {}, ...payload })}
          send={(entry) => client.logWatchEntry(entry)}
          onSent={entries.reload}
        />
      </details>
      <ul className="watch-entries">
        {open.map((entry) => (
          <li key={entry.entryId} data-testid="watch-entry" data-entry-id={entry.entryId}>
            <div>
              <strong>{tr('channel', entry.channel)}</strong> · {formatTime(entry.receivedAt, lang, { zone: false })} · {entry.place}
            </div>
            <div className="summary">{entry.course}</div>
            <div className="summary">
              {[entry.caller.name, entry.caller.unit, entry.caller.phone].filter(Boolean).join(' · ')} — {entry.recorderName}
            </div>
            <details>
              <summary data-testid="triage">{t('triage')}</summary>
              <CommandForm
                title={t('createIncident')}
                testId="triage-create"
                schema={TriageSchema}
                fields={[
                  { name: 'incident.title', label: 'title', kind: 'text' },
                  ...classificationFields(tr, 'incident.'),
                ]}
                extra={() => ({ action: 'create_incident' })}
                send={async (triage) => {
                  const answer = await client.triageWatchEntry(entry.entryId, triage);
                  if (answer.entry.incidentId) onIncident(answer.entry.incidentId);
                }}
                onSent={entries.reload}
              />
              <CommandForm
                title={t('dismiss')}
                testId="triage-dismiss"
                schema={TriageSchema}
                fields={[{ name: 'reason', label: 'reason', kind: 'text' }]}
                extra={() => ({ action: 'dismiss' })}
                send={(triage) => client.triageWatchEntry(entry.entryId, triage)}
                onSent={entries.reload}
              />
            </details>
          </li>
        ))}
      </ul>
    </section>
  );
}
