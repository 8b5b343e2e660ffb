import { MusterApiError, type SceneView, type MusterHttpClient, type ReportsView } from '@muster/client';
import { ReportIncidentSchema, type IncidentView } from '@muster/contracts';
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { classificationFields, CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLiveFeed } from '../lib/session';
import { isOverdue } from '../lib/reports';
import { formatTime } from '../lib/time';
import { ConnectionBadge, SeverityBadge } from '../lib/widgets';
import { cardFacts } from '../lib/board-card';
import { isOver } from '../lib/incident-actions';
import { WatchLog } from './WatchLog';

const SEVERITY_ORDER: Record<string, number> = { I: 0, II: 1, III: 2, IV: 3 };

interface BoardRow {
  incident: IncidentView;
  commander: SceneView['commander'];
  /** The latest scene report, for the casualties; it comes with the scene read the commander needs. */
  report: SceneView['latestReport'];
  overdue: number;
}

/**
 * An incident belongs on a room's board when the room leads it, was linked to it (联动) or supports
 * it; with `area` (含下辖), also when a jurisdiction below the room leads it.
 */
function onBoardOf(room: string, area: ReadonlySet<string> | null, incident: IncidentView): boolean {
  if (isOver(incident.state)) return false;
  if (area?.has(incident.leadJurisdiction)) return true;
  return incident.leadJurisdiction === room || incident.linkedJurisdictions.includes(room) || incident.supportingJurisdictions.includes(room);
}

/** The room's jurisdiction and every one below it, from the loaded tree. */
function areaOf(room: string, tree: ReadonlyMap<string, { parent?: string | null | undefined }>): Set<string> {
  const area = new Set([room]);
  for (const code of tree.keys()) {
    for (let up = tree.get(code)?.parent; up; up = tree.get(up)?.parent) {
      if (up === room) {
        area.add(code);
        break;
      }
    }
  }
  return area;
}

function overdueCount(reports: ReportsView, now: number): number {
  // Owed and late now: filed late counts in the review's lateness, not on the live board.
  return (reports.items ?? []).filter((item) => !item.submittedAt && isOverdue(item, now)).length;
}

async function rowOf(client: MusterHttpClient, incident: IncidentView): Promise<BoardRow> {
  const [scene, reports] = await Promise.all([client.getScene(incident.incidentId).catch(() => null), client.getReports(incident.incidentId).catch(() => null)]);
  return { incident, commander: scene?.commander ?? null, report: scene?.latestReport ?? null, overdue: reports ? overdueCount(reports, Date.now()) : 0 };
}

export function Board() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const i18n = useI18n();
  const { t, tr, lang } = i18n;
  const room = session.user.jurisdiction;
  // 本级 (the room's own and linked incidents, the default) or 含下辖 (also everything led below it).
  const [wholeArea, setWholeArea] = useState(() => localStorage.getItem('muster.boardScope') === 'area');
  const everywhere = useMemo(() => areaOf(room, jurisdictions), [room, jurisdictions]);
  const area = wholeArea ? everywhere : null;
  const [rows, setRows] = useState<Map<string, BoardRow>>(new Map());
  const [loaded, setLoaded] = useState(false);
  // Bumped each time the feed is live again: a new subscription starts at the head of the log, so
  // whatever changed between the list read and that moment is read again rather than missed.
  const [listedAt, setListedAt] = useState(0);
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  useEffect(() => {
    let live = true;
    (async () => {
      const list = await client.listIncidents({ limit: 500 });
      const visible = list.items.filter((i) => onBoardOf(room, area, i));
      const loadedRows = await Promise.all(visible.map((i) => rowOf(client, i)));
      if (live) {
        setRows(new Map(loadedRows.map((r) => [r.incident.incidentId, r])));
        setLoaded(true);
      }
    })().catch((e: unknown) => console.warn('board', e));
    return () => {
      live = false;
    };
  }, [client, room, area, listedAt]);

  /** Re-reads one incident after its events; several events in a burst cause one read. */
  const refresh = useCallback(
    (incidentId: string) => {
      const timers = pending.current;
      clearTimeout(timers.get(incidentId));
      timers.set(
        incidentId,
        setTimeout(() => {
          timers.delete(incidentId);
          client
            .getIncident(incidentId)
            .then(async (incident) => {
              const row = onBoardOf(room, area, incident) ? await rowOf(client, incident) : null;
              setRows((current) => {
                const next = new Map(current);
                if (row) next.set(incidentId, row);
                else next.delete(incidentId);
                return next;
              });
            })
            .catch((error: unknown) => {
              // No longer ours to see (the link was removed): off the board.
              if (error instanceof MusterApiError && (error.status === 403 || error.status === 404)) {
                setRows((current) => {
                  const next = new Map(current);
                  next.delete(incidentId);
                  return next;
                });
              }
            });
        }, 150),
      );
    },
    [client, room, area],
  );

  const connection = useLiveFeed({ rooms: area ? [...area].sort() : [room] }, (event) => refresh(event.meta.incidentId ?? event.streamId));
  useEffect(() => {
    if (connection === 'live') setListedAt((n) => n + 1);
  }, [connection]);

  const sorted = [...rows.values()].sort(
    (a, b) =>
      (SEVERITY_ORDER[a.incident.severity ?? ''] ?? 9) - (SEVERITY_ORDER[b.incident.severity ?? ''] ?? 9) ||
      (b.incident.updatedAt ?? '').localeCompare(a.incident.updatedAt ?? ''),
  );

  return (
    <section className="board">
      <div className="board-head">
        <h1>
          {t('board')} · {jurisdictionName(jurisdictions, room, lang)}
        </h1>
        <ConnectionBadge state={connection} />
        {everywhere.size > 1 ? (
          <label className="scope">
            <input
              type="checkbox"
              data-testid="scope-area"
              checked={wholeArea}
              onChange={(e) => {
                localStorage.setItem('muster.boardScope', e.target.checked ? 'area' : 'room');
                setWholeArea(e.target.checked);
              }}
            />{' '}
            {t('wholeArea')}
          </label>
        ) : null}
      </div>
      {hasRole('duty_officer', 'leader') ? (
        <div className="columns">
          <WatchLog onIncident={refresh} />
          <div>
            <ReportIncidentForm room={room} onReported={refresh} />
          </div>
        </div>
      ) : null}
      <h2>
        {t('liveIncidents')} ({sorted.length})
      </h2>
      {loaded && sorted.length === 0 ? <p className="empty">{t('noIncidents')}</p> : null}
      <ul className="cards" data-testid="board">
        {sorted.map(({ incident, commander, report, overdue }) => (
          <li key={incident.incidentId} className={`card sev-border-${incident.severity ?? 'none'}`} data-testid="incident-card" data-incident-id={incident.incidentId}>
            <div className="card-head">
              <SeverityBadge severity={incident.severity} />
              <a href={href({ view: 'incident', incidentId: incident.incidentId })} className="card-title">
                {incident.title}
              </a>
              {incident.exercise ? <span className="badge exercise">{t('exercise')}</span> : null}
            </div>
            <dl className="facts card-facts">
              {cardFacts(incident, report, i18n, lang).map((fact) => (
                <Fragment key={fact.key}>
                  <dt>{t(fact.label)}</dt>
                  <dd data-testid={`card-${fact.key}`} className={fact.key === 'casualties' && fact.text !== '—' ? 'casualties' : undefined}>
                    {fact.text}
                  </dd>
                </Fragment>
              ))}
            </dl>
            <div className="badges">
              <span className={`badge lead${incident.leadJurisdiction === room ? ' mine' : ''}`} data-testid="lead-badge">
                {t('lead')}: {jurisdictionName(jurisdictions, incident.leadJurisdiction, lang)}
              </span>
              {incident.linkedJurisdictions.map((j) => (
                <span key={`l${j}`} className="badge linked" data-testid="linked-badge">
                  {t('linked')}: {jurisdictionName(jurisdictions, j, lang)}
                </span>
              ))}
              {incident.supportingJurisdictions.map((j) => (
                <span key={`s${j}`} className="badge supporting" data-testid="supporting-badge">
                  {t('supporting')}: {jurisdictionName(jurisdictions, j, lang)}
                </span>
              ))}
            </div>
            <dl className="facts card-facts">
              <dt>{t('state')}</dt>
              <dd data-testid="state">{tr('state', incident.state)}</dd>
              <dt>{t('commander')}</dt>
              <dd data-testid="commander">{commander ? `${commander.name}${commander.unit ? ` (${commander.unit})` : ''}` : t('noCommander')}</dd>
              <dt>{t('overdueReports')}</dt>
              <dd data-testid="overdue" className={overdue > 0 ? 'overdue' : ''}>
                {overdue}
              </dd>
              <dt>{t('updated')}</dt>
              <dd>{formatTime(incident.updatedAt, lang)}</dd>
            </dl>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ReportIncidentForm({ room, onReported }: { room: string; onReported(incidentId: string): void }) {
  const { client } = useApp();
  const { t, tr } = useI18n();
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} data-testid="open-report-incident">
        + {t('reportIncident')}
      </button>
    );
  }
  return (
    <>
      <CommandForm
        title={t('reportIncident')}
        testId="report-incident-form"
        schema={ReportIncidentSchema}
        fields={[
          { name: 'title', label: 'title', kind: 'text' },
          { name: 'description', label: 'description', kind: 'textarea' },
          ...classificationFields(tr),
          { name: 'location.description', label: 'location', kind: 'text' },
        ]}
        extra={() => ({ leadJurisdiction: room })}
        send={async (data) => {
          const result = await client.createIncident({ data });
          onReported(result.streamId);
          setOpen(false);
        }}
      />
      <button type="button" className="secondary" onClick={() => setOpen(false)}>
        {t('cancel')}
      </button>
    </>
  );
}
