import { Fragment, useMemo, useState } from 'react';
import { drillDetails, useDrillWords, type DrillDetails } from '../lib/drill';
import { download } from '../lib/download';
import { useI18n } from '../lib/i18n';
import { usePeople } from '../lib/people';
import { nameIn } from '../lib/reports';
import { metricLines, type ReviewWords } from '../lib/review-text';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime, fromLocalInput, toLocalInput } from '../lib/time';
import { roomsIn } from '../lib/timeline-filter';
import { actorLabel } from '../lib/timeline-text';
import { drillEventName } from './Drills';
import { ReviewTimeline } from './ReviewTimeline';
import { StateAtPicker } from '../lib/state-at-picker';

const stateKey = (state: DrillDetails['state']) => (state === 'none' ? 'planned' : state);

/**
 * 演练复盘 (issue 22): the incident review's tools over the drill's merged record — its own stream
 * and every stream of its incidents: the timeline (the review's own view, filters included), the
 * drill and its incidents at a moment, the drill's metrics and each incident's, the exports. Shown
 * to the controller, and to the participants once the drill has ended (the api's rule).
 */
export function DrillReviewPanel({ drill, revision }: { drill: DrillDetails; revision: number }) {
  const { client, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const w = useDrillWords();
  const { drillId } = drill;
  const timeline = useLoad(() => client.call('drillTimeline', { params: { drillId }, query: { limit: 1000 } }), [client, drillId, revision]);
  const metrics = useLoad(() => client.call('drillMetrics', { params: { drillId } }), [client, drillId, revision]);
  const [at, setAt] = useState(() => toLocalInput(new Date().toISOString()));
  const [basis, setBasis] = useState<'recorded' | 'occurred'>('recorded');
  const stateAtOf = (iso: string) => client.call('drillStateAt', { params: { drillId }, query: { at: iso, basis } });
  const [stateAt, setStateAt] = useState<Awaited<ReturnType<typeof stateAtOf>> | null>(null);
  const [stateError, setStateError] = useState<string | null>(null);
  const entries = timeline.value?.items ?? [];
  const { people } = usePeople(roomsIn(entries));
  // The drill's own events by their names (开始演练, 注入…), the incidents' as in any review.
  const words = useMemo<ReviewWords>(
    () => ({
      tr: (prefix, value) => (prefix === 'event' && value ? (drillEventName(value, lang) ?? tr(prefix, value)) : tr(prefix, value)),
      lang,
      room: (code) => jurisdictionName(jurisdictions, code, lang),
      time: (iso) => formatTime(iso, lang),
    }),
    [tr, lang, jurisdictions],
  );
  const person = (userId: string): string => {
    const known = people.find((p) => p.userId === userId);
    if (known) return nameIn(known.name, lang);
    const acted = entries.find((e) => e.actor === userId);
    return acted ? actorLabel(acted, words.room, tr) : '—';
  };
  const contentOf = (injectId: string) => drill.injects.find((i) => i.injectId === injectId)?.content ?? '—';
  const titleOf = (incidentId: string | null) => stateAt?.incidents.find((i) => i.incidentId === incidentId)?.incident?.title;

  async function showState() {
    const iso = fromLocalInput(at);
    if (!iso) return setStateError(`${t('at')}: YYYY-MM-DDTHH:MM`);
    setStateError(null);
    try {
      setStateAt(await stateAtOf(iso));
    } catch (e) {
      setStateError(e instanceof Error ? e.message : String(e));
    }
  }

  const then = stateAt?.drill ? drillDetails(stateAt.drill) : null;
  const m = metrics.value;
  const exportAs = (format: 'csv' | 'json') =>
    void client.exportDrillTimeline(drillId, format).then((text) => download(`drill-timeline-${drillId}.${format}`, format === 'csv' ? 'text/csv' : 'application/json', text));

  return (
    <section className="review" data-testid="drill-review">
      <h2>{w('review')}</h2>
      <p className="hint">{w('reviewHint')}</p>
      <div className="columns">
        <section className="panel" data-testid="drill-state-at">
          <h3>{t('stateAt')}</h3>
          <StateAtPicker at={at} setAt={setAt} basis={basis} setBasis={setBasis} onShow={() => void showState()} error={stateError} testId="drill-state-at" />
          {stateAt ? (
            <dl className="facts" data-testid="drill-state-at-result">
              <dt>{t('at')}</dt>
              <dd>{formatTime(stateAt.at, lang)}</dd>
              <dt>{w('reviewDrillAt')}</dt>
              <dd data-testid="drill-state-at-state">
                {then ? `${w(`state.${stateKey(then.state)}`)}${then.injectsPaused ? ` · ${w('paused')}` : ''} · ${w('reviewDelivered')} ${then.injects.filter((i) => i.status === 'delivered').length}` : '—'}
              </dd>
              {stateAt.incidents.length === 0 ? (
                <>
                  <dt>{w('reviewIncidentAt')}</dt>
                  <dd>{w('reviewNothingYet')}</dd>
                </>
              ) : null}
              {stateAt.incidents.map((i) => (
                <Fragment key={i.incidentId}>
                  <dt>{w('reviewIncidentAt')}</dt>
                  <dd data-testid="drill-state-at-incident">
                    {i.incident ? `${i.incident.title} · ${tr('state', i.incident.state)} · ${t('lead')}：${jurisdictionName(jurisdictions, i.incident.leadJurisdiction, lang)}` : '—'}
                  </dd>
                </Fragment>
              ))}
            </dl>
          ) : null}
        </section>

        <section className="panel" data-testid="drill-metrics">
          <h3>{t('metrics')}</h3>
          {m ? (
            <>
              <dl className="facts">
                <dt>{w('reviewInjects')}</dt>
                <dd data-testid="drill-metrics-injects">
                  {w('reviewPlanned')} {m.injects.planned} · {w('reviewDelivered')} {m.injects.delivered} · {w('reviewSkipped')} {m.injects.skipped} · {w('reviewScheduled')} {m.injects.scheduled}
                </dd>
                <dt>{w('reviewRunning')}</dt>
                <dd>{m.minutesRunning ?? '—'}</dd>
                <dt>{w('reviewObservations')}</dt>
                <dd>{m.observations}</dd>
              </dl>
              <h4>{w('reviewResponses')}</h4>
              <ul data-testid="drill-metrics-responses">
                {m.responses.map((r) => (
                  <li key={r.injectId}>
                    {contentOf(r.injectId)}
                    {r.deliveredAt ? `（${formatTime(r.deliveredAt, lang, { zone: false })}）` : ''}：{r.minutes === null ? w('reviewNoResponse') : `${r.minutes} ${w('reviewMinutesAfter')}`}
                  </li>
                ))}
              </ul>
              {m.incidents.map((incidentMetrics) => (
                <table key={incidentMetrics.incidentId}>
                  <caption>
                    {titleOf(incidentMetrics.incidentId) ?? w('reviewIncidentAt')} · {t('minutesFromReport')}
                  </caption>
                  <tbody>
                    {metricLines(incidentMetrics.minutesTo, words).map((line) => (
                      <tr key={line.key}>
                        <th>{line.label}</th>
                        <td>{line.value}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
            </>
          ) : (
            <p className="loading">{metrics.error?.message ?? t('loading')}</p>
          )}
        </section>

        <section className="panel" data-testid="drill-exports">
          <h3>{t('exports')}</h3>
          <div className="buttons column">
            <button type="button" data-testid="drill-export-csv" onClick={() => exportAs('csv')}>
              {t('timelineCsv')}
            </button>
            <button type="button" data-testid="drill-export-json" onClick={() => exportAs('json')}>
              {t('timelineJson')}
            </button>
          </div>
        </section>
      </div>
      {/* The review's timeline view: a drill's record is reviewed, never corrected here. */}
      <ReviewTimeline incidentId={drillId} entries={entries} words={words} person={person} mayCorrect={false} onCorrected={() => undefined} />
    </section>
  );
}
