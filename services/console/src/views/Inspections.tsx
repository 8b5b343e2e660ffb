import type { Jurisdiction } from '@muster/client';
import { InspectionSchema } from '@muster/contracts';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime } from '../lib/time';

/** `room` and the rooms below it in the loaded tree. */
function roomsWithin(tree: ReadonlyMap<string, Jurisdiction>, room: string): Jurisdiction[] {
  return [...tree.values()].filter((j) => {
    for (let up: string | null | undefined = j.code; up; up = tree.get(up)?.parent) if (up === room) return true;
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

/**
 * 检查记录 (明查暗访): a room records a planned or unannounced inspection; its findings open a new
 * hazard or add a finding to one the room knows. The hazards it touched are listed by title.
 */
export function InspectionsView() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, tr, lang } = useI18n();
  const room = session.user.jurisdiction;
  const { value, reload } = useLoad(() => client.call('listInspections', {}), [client]);
  const hazards = useLoad(() => client.call('listHazards', {}), [client]);
  const roomName = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const places = roomsWithin(jurisdictions, room);
  const titleOf = new Map((hazards.value?.items ?? []).map((h) => [h.hazardId, h.title]));
  const open = (hazards.value?.items ?? []).filter((h) => h.state !== 'writtenOff' && h.state !== 'dismissed');
  const items = value?.items ?? [];

  return (
    <section data-testid="inspections-view">
      <nav className="tabs">
        <a href={href({ view: 'hazards' })}>← {t('hazardRegister')}</a>
      </nav>
      <h1>{t('inspections')}</h1>
      <div className="columns">
        <section className="panel">
          {value && items.length === 0 ? <p className="empty">{t('noInspections')}</p> : null}
          <ul>
            {items.map((i) => (
              <li key={i.inspectionId} data-testid="inspection">
                <strong>{i.subject}</strong> · {tr('ikind', i.kind)} · {roomName(i.jurisdiction)} · {formatTime(i.inspectedAt, lang)}
                {i.hazards.length ? (
                  <>
                    {' '}
                    · {t('inspectionHazards')}：
                    {i.hazards.map((id, n) => (
                      <a key={id} href={href({ view: 'hazard', hazardId: id })}>
                        {n > 0 ? '、' : ''}
                        {titleOf.get(id) ?? t('hazardTitle')}
                      </a>
                    ))}
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
        {hasRole('duty_officer', 'leader') ? (
          <CommandForm
            title={t('recordInspection')}
            testId="record-inspection"
            schema={InspectionSchema}
            fields={[
              { name: 'jurisdiction', label: 'inspectionRoom', kind: 'select', options: places.map((j) => ({ value: j.code, label: roomName(j.code) })), initial: room },
              { name: 'kind', label: 'inspectionKind', kind: 'select', options: (['planned', 'unannounced'] as const).map((k) => ({ value: k, label: tr('ikind', k) })) },
              { name: 'subject', label: 'inspectionSubject', kind: 'text' },
              { name: 'inspectedAt', label: 'inspectedAt', kind: 'datetime' },
              { name: 'inspectors', label: 'inspectors', kind: 'textarea' },
              { name: 'new.place', label: 'newFindingPlace', kind: 'select', options: places.map((j) => ({ value: j.code, label: roomName(j.code) })) },
              { name: 'new.address', label: 'newFindingAddress', kind: 'text' },
              { name: 'new.title', label: 'newFindingTitle', kind: 'text' },
              { name: 'new.description', label: 'newFindingDescription', kind: 'textarea' },
              { name: 'known.hazardId', label: 'knownHazard', kind: 'select', options: open.map((h) => ({ value: h.hazardId, label: h.title })) },
              { name: 'known.note', label: 'knownHazardNote', kind: 'textarea' },
            ]}
            prepare={({ new: found, known, inspectors, ...rest }) => {
              const n = (found ?? {}) as Record<string, string | undefined>;
              const k = (known ?? {}) as Record<string, string | undefined>;
              const findings: unknown[] = [];
              if (n['title'] !== undefined || n['address'] !== undefined || n['description'] !== undefined) {
                findings.push({ location: { jurisdiction: n['place'] ?? '', address: n['address'] ?? '' }, title: n['title'] ?? '', description: n['description'] ?? '' });
              }
              if (k['hazardId'] !== undefined) findings.push({ hazardId: k['hazardId'], note: k['note'] ?? '' });
              return { ...rest, inspectors: lines(inspectors), findings };
            }}
            send={(body) => client.call('createInspection', { body })}
            onSent={() => {
              reload();
              hazards.reload();
            }}
          />
        ) : null}
      </div>
    </section>
  );
}

/** The hazards an incident came from, each with its history before the incident (the review's). */
export function IncidentHazardsPanel({ incidentId }: { incidentId: string }) {
  const { client } = useApp();
  const { t, tr, lang } = useI18n();
  const { value } = useLoad(() => client.call('incidentHazards', { params: { incidentId } }), [client, incidentId]);
  const items = value?.items ?? [];
  return (
    <section className="panel" data-testid="incident-hazards">
      <h2>{t('hazardsBeforeIncident')}</h2>
      {value && items.length === 0 ? <p className="empty">{t('noHazardsBeforeIncident')}</p> : null}
      {items.map(({ hazard, history }) => (
        <article key={hazard.hazardId}>
          <h3>
            <a href={href({ view: 'hazard', hazardId: hazard.hazardId })}>{hazard.title}</a> <span className="badge">{tr('hstate', hazard.state)}</span>
          </h3>
          <ol>
            {history.map((e) => (
              <li key={e.version}>
                {formatTime(e.recordedAt, lang)} · {tr('hevent', e.type)}
              </li>
            ))}
          </ol>
        </article>
      ))}
    </section>
  );
}
