import { DrillBanner } from './Drills';
import type { BoardCard } from '@muster/client';
import { ReportIncidentSchema, SeveritySchema } from '@muster/contracts';
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { classificationFields, CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { keep, kept } from '../lib/offline-store';
import { offlineWord } from '../lib/offline-text';
import { nameIn } from '../lib/reports';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLiveFeed } from '../lib/session';
import { formatTime } from '../lib/time';
import { ConnectionBadge, SeverityBadge } from '../lib/widgets';
import { cardFacts } from '../lib/board-card';
import { WatchLog } from './WatchLog';

/** The room and every jurisdiction below it, from the loaded tree: what the feed follows with 含下辖. */
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

export function Board() {
  const { client, session, jurisdictions, hasRole } = useApp();
  const { t, lang } = useI18n();
  const room = session.user.jurisdiction;
  // 本级 (the room's own and linked incidents, the default) or 含下辖 (also everything led below it).
  const [wholeArea, setWholeArea] = useState(() => localStorage.getItem('muster.boardScope') === 'area');
  const everywhere = useMemo(() => areaOf(room, jurisdictions), [room, jurisdictions]);
  const area = wholeArea ? everywhere : null;
  const scope = wholeArea ? 'area' : 'room';
  // The cards as the api puts them together (GET /board), most severe first, then patched card by card.
  const [cards, setCards] = useState<BoardCard[]>([]);
  const [loaded, setLoaded] = useState(false);
  /** When the server last confirmed the cards shown, while they are the device's copy. */
  const [offlineSince, setOfflineSince] = useState<string | null>(null);
  // Bumped each time the feed is live again: a new subscription starts at the head of the log, so
  // whatever changed between the board read and that moment is read again rather than missed.
  const [listedAt, setListedAt] = useState(0);
  const pending = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  useEffect(() => {
    let live = true;
    client
      .call('board', { query: { scope, exercise: 'all' } })
      .then((board) => {
        if (!live) return;
        setCards(board.items);
        setLoaded(true);
        setOfflineSince(null);
        void keep('board', { cards: board.items, at: new Date().toISOString() }, session.user.userId);
      })
      .catch((e: unknown) => {
        console.warn('board', e);
        // No network (the phone app): the cards the server last gave this user, marked as such.
        void kept('board', session.user.userId).then((last) => {
          if (!live || !last) return;
          setCards((current) => (current.length ? current : last.cards));
          setOfflineSince(last.at);
        });
      });
    return () => {
      live = false;
    };
  }, [client, scope, listedAt]);

  /** Reads one card again after its incident's events: a burst of events causes one read. */
  const refresh = useCallback(
    (incidentId: string) => {
      const timers = pending.current;
      clearTimeout(timers.get(incidentId));
      timers.set(
        incidentId,
        setTimeout(() => {
          timers.delete(incidentId);
          client
            .call('board', { query: { scope, incident: incidentId, exercise: 'all' } })
            .then((board) => setCards((current) => withCard(current, incidentId, board.items[0] ?? null)))
            .catch((e: unknown) => console.warn('board card', e));
        }, 150),
      );
    },
    [client, scope],
  );

  const connection = useLiveFeed({ rooms: area ? [...area].sort() : [room], drills: true }, (event) => refresh(event.meta.incidentId ?? event.streamId));
  useEffect(() => {
    if (connection.state === 'live') setListedAt((n) => n + 1);
  }, [connection.state]);

  // Drills (演练) apart from real incidents, so that nobody mistakes one for the other (the board asks
  // for them with `exercise=all`: by default GET /board leaves them out).
  const real = cards.filter((c) => !c.incident.exercise);
  const drills = cards.filter((c) => c.incident.exercise);

  return (
    <section className="board">
      <div className="board-head">
        <h1>
          {t('board')} · {jurisdictionName(jurisdictions, room, lang)}
        </h1>
        <ConnectionBadge connection={connection} />
        {offlineSince ? (
          <span className="banner offline" data-testid="offline-snapshot">
            {offlineWord(lang, 'offlineSnapshot', { time: formatTime(offlineSince, lang, { date: false }) })}
          </span>
        ) : null}
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
        {t('liveIncidents')} ({real.length})
      </h2>
      {loaded && real.length === 0 ? <p className="empty">{t('noIncidents')}</p> : null}
      <Cards cards={real} room={room} testId="board" />
      {drills.length > 0 ? (
        <>
          <h2>
            {t('drills')} ({drills.length})
          </h2>
          <DrillBanner />
          <Cards cards={drills} room={room} testId="drill-board" />
        </>
      ) : null}
    </section>
  );
}

/**
 * The board with `card` in place of the incident's old one (null: off the board), in the api's
 * order: most severe first, then the latest reported.
 */
function withCard(cards: readonly BoardCard[], incidentId: string, card: BoardCard | null): BoardCard[] {
  const others = cards.filter((c) => c.incident.incidentId !== incidentId);
  if (!card) return others;
  const rank = (c: BoardCard) => (c.incident.severity ? SeveritySchema.options.indexOf(c.incident.severity) : -1);
  const order = (a: BoardCard, b: BoardCard) => {
    const [ra, rb] = [rank(a), rank(b)];
    return (ra < 0 ? 9 : ra) - (rb < 0 ? 9 : rb) || (b.incident.reportedAt ?? '').localeCompare(a.incident.reportedAt ?? '');
  };
  return [...others, card].sort(order);
}

function Cards({ cards, room, testId }: { cards: readonly BoardCard[]; room: string; testId: string }) {
  const { jurisdictions } = useApp();
  const i18n = useI18n();
  const { t, tr, lang } = i18n;
  return (
      <ul className="cards" data-testid={testId}>
        {cards.map(({ incident, commander, report, overdue }) => (
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
              <dd data-testid="commander">{commander ? `${nameIn(commander.name, lang)}${commander.unit ? ` (${commander.unit})` : ''}` : t('noCommander')}</dd>
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
