import { DrillBanner } from './Drills';
import { StateAtPicker } from '../lib/state-at-picker';
import type { StateAtView, TimelineEntry } from '@muster/client';
import type { IncidentView as Incident } from '@muster/contracts';
import { IncidentHazardsPanel } from './Inspections';
import { ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useI18n, type MessageKey } from '../lib/i18n';
import { href } from '../lib/route';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { formatTime, fromLocalInput, toLocalInput, zoneLabel } from '../lib/time';
import { SeverityBadge } from '../lib/widgets';
import { useIncident } from '../lib/live-incident';
import { download } from '../lib/download';
import { nameIn } from '../lib/reports';
import { labelRows, labelWidth, latenessLine, leadTimeLine, metricLines, sceneFigureLines, tenureLine, tooltipHtml, type ReviewWords } from '../lib/review-text';
import { actorLabel } from '../lib/timeline-text';
import { LANES, roomsIn } from '../lib/timeline-filter';
import { usePeople } from '../lib/people';
import { ReviewTimeline } from './ReviewTimeline';

echarts.use([ScatterChart, GridComponent, TooltipComponent, LegendComponent, MarkAreaComponent, CanvasRenderer]);


/** The phases of an incident between its milestones (reference §4): each a band on the chart. */
function phasesOf(incident: Incident, end: string): { key: MessageKey; from: string; to: string }[] {
  const marks: { key: MessageKey; at: string | null }[] = [
    { key: 'phase.reported', at: incident.reportedAt },
    { key: 'phase.verifying', at: null },
    { key: 'phase.initial', at: incident.confirmedAt },
    { key: 'phase.response', at: incident.responseActivatedAt },
    { key: 'phase.controlled', at: incident.controlledAt },
    { key: 'phase.recovery', at: incident.liftedAt },
  ];
  const present = marks.filter((m): m is { key: MessageKey; at: string } => m.at !== null);
  return present.map((m, i) => ({ key: m.key, from: m.at, to: present[i + 1]?.at ?? incident.closedAt ?? end }));
}

const GRID = { left: 110, right: 20, top: 40, bottom: 50 };
const PHASE_FONT = 11;
/** Height of a row of phase labels, in pixels. */
const PHASE_ROW = 15;

const PHASE_COLOURS = ['rgba(120,120,120,0.10)', 'rgba(30,100,200,0.10)', 'rgba(220,60,40,0.12)', 'rgba(240,160,0,0.12)', 'rgba(40,160,80,0.12)'];

function TimelineChart({ incident, entries, words }: { incident: Incident; entries: TimelineEntry[]; words: ReviewWords }) {
  const { t, tr, lang } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'canvas' });
    const end = entries[entries.length - 1]?.recordedAt ?? new Date().toISOString();
    const phases = phasesOf(incident, end);
    const times = [...entries.map((e) => Date.parse(e.recordedAt)), ...phases.flatMap((p) => [Date.parse(p.from), Date.parse(p.to)])];
    // The axis spans exactly the data, so that a label's pixel position can be worked out before drawing.
    const min = Math.min(...times);
    const latest = Math.max(...times);
    // A single instant still needs a span to draw on.
    const max = latest > min ? latest : min + 60_000;
    const draw = () => {
      const plotWidth = Math.max(1, chart.getWidth() - GRID.left - GRID.right);
      const rows = labelRows(phases.map((p) => ({ x: ((Date.parse(p.from) - min) / (max - min)) * plotWidth, width: labelWidth(t(p.key), PHASE_FONT) })));
      chart.setOption({
        animation: false,
        grid: GRID,
        tooltip: {
          trigger: 'item',
          formatter: (p: { data: [number, string, number] }) => {
            const entry = entries[p.data[2]];
            return entry ? tooltipHtml(entry, words) : '';
          },
        },
        legend: { top: 0, data: LANES.filter((l) => entries.some((e) => e.streamType === l)).map((l) => tr('lane', l)) },
        xAxis: {
          type: 'time',
          min,
          max,
          name: zoneLabel(lang),
          nameLocation: 'middle',
          nameGap: 30,
          axisLabel: { formatter: (value: number) => formatTime(new Date(value).toISOString(), lang, { date: false, zone: false }) },
        },
        yAxis: { type: 'category', data: LANES.map((l) => tr('lane', l)) },
        series: LANES.map((lane, i) => ({
          name: tr('lane', lane),
          type: 'scatter',
          symbolSize: 10,
          // The entry's index: the tooltip reads the entry itself, never a type or user id carried in the data.
          data: entries.flatMap((e, n) => (e.streamType === lane ? [[Date.parse(e.recordedAt), tr('lane', lane), n]] : [])),
          ...(i === 0
            ? {
                markArea: {
                  silent: true,
                  data: phases.map((p, n) => [
                    {
                      name: t(p.key),
                      xAxis: Date.parse(p.from),
                      itemStyle: { color: PHASE_COLOURS[n % PHASE_COLOURS.length] },
                      // From the band's start, one row down for each earlier label it would touch.
                      label: { position: 'insideTopLeft', fontSize: PHASE_FONT, offset: [0, (rows[n] ?? 0) * PHASE_ROW] },
                    },
                    { xAxis: Date.parse(p.to) },
                  ]),
                },
              }
            : {}),
        })),
      });
    };
    draw();
    const resize = () => {
      chart.resize();
      draw();
    };
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [incident, entries, lang, t, tr, words]);
  return <div ref={element} className="chart" data-testid="timeline-chart" role="img" aria-label={t('chart')} />;
}

function FigureRow({ line }: { line: { key: string; label: string; value: string } }) {
  return (
    <>
      <dt>{line.label}</dt>
      <dd data-testid={`state-at-${line.key}`}>{line.value}</dd>
    </>
  );
}

export function ReviewView({ incidentId }: { incidentId: string }) {
  const { client, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const { data, error, reload } = useIncident(incidentId);
  const metrics = useLoad(() => client.metrics(incidentId), [client, incidentId, data?.timeline.length]);
  const [at, setAt] = useState(() => toLocalInput(new Date().toISOString()));
  const [basis, setBasis] = useState<'recorded' | 'occurred'>('recorded');
  const [stateAt, setStateAt] = useState<StateAtView | null>(null);
  const [stateError, setStateError] = useState<string | null>(null);
  // The rooms that acted, for their people's names (the record names people by login id only).
  const { people } = usePeople(roomsIn(data?.timeline ?? []));
  const words = useMemo<ReviewWords>(() => ({ tr, lang, room: (code) => jurisdictionName(jurisdictions, code, lang), time: (iso) => formatTime(iso, lang) }), [tr, lang, jurisdictions]);

  if (!data) return <p className={error ? 'form-error' : 'loading'}>{error ?? t('loading')}</p>;
  const { incident, timeline, requests } = data;

  async function showState() {
    const iso = fromLocalInput(at);
    if (!iso) return setStateError(`${t('at')}: YYYY-MM-DDTHH:MM`);
    setStateError(null);
    try {
      setStateAt(await client.stateAt(incidentId, iso, basis));
    } catch (e) {
      setStateError(e instanceof Error ? e.message : String(e));
    }
  }

  // A person by name: the people directory when it knows him, else the room and role he acted in.
  const person = (userId: string): string => {
    const known = people.find((p) => p.userId === userId);
    if (known) return nameIn(known.name, lang);
    const acted = timeline.find((e) => e.actor === userId);
    return acted ? actorLabel(acted, words.room, tr) : '—';
  };
  const commanderAt = (stateAt?.scene?.state?.context['commander'] as { name?: string } | null | undefined)?.name;
  const phases = phasesOf(incident, timeline[timeline.length - 1]?.recordedAt ?? new Date().toISOString());
  const m = metrics.value;

  return (
    <section className="review" data-testid="review-view">
      {incident.exercise ? <DrillBanner /> : null}
      <div className="incident-head">
        <SeverityBadge severity={incident.severity} />
        <h1>{incident.title}</h1>
      </div>
      <nav className="tabs">
        <a href={href({ view: 'incident', incidentId })}>← {t('incident')}</a>
      </nav>
      <section className="panel">
        <h2>{t('chart')}</h2>
        <TimelineChart incident={incident} entries={timeline} words={words} />
        <ol className="phases" data-testid="phases" aria-label={t('phases')}>
          {phases.map((p) => (
            <li key={p.key}>
              <strong>{t(p.key)}</strong> {formatTime(p.from, lang)}
            </li>
          ))}
        </ol>
      </section>

      <div className="columns">
        <section className="panel" data-testid="state-at">
          <h2>{t('stateAt')}</h2>
          <StateAtPicker at={at} setAt={setAt} basis={basis} setBasis={setBasis} onShow={() => void showState()} error={stateError} testId="state-at" />
          {stateAt ? (
            <dl className="facts" data-testid="state-at-result">
              <dt>{t('at')}</dt>
              <dd>{formatTime(stateAt.at, lang)}</dd>
              <dt>{t('state')}</dt>
              <dd data-testid="state-at-state">{stateAt.incident ? tr('state', stateAt.incident.state) : '—'}</dd>
              <dt>{t('severity')}</dt>
              <dd>{tr('sev', stateAt.incident?.severity ?? 'none')}</dd>
              <dt>{t('lead')}</dt>
              <dd>{jurisdictionName(jurisdictions, stateAt.incident?.leadJurisdiction, lang)}</dd>
              <dt>{t('commander')}</dt>
              <dd>{commanderAt ? nameIn(commanderAt, lang) : t('noCommander')}</dd>
              {/* The scene figures as the command structure held them at that moment: its latest scene report. */}
              {sceneFigureLines(stateAt.scene?.state?.context, words).map((f) => (
                <FigureRow key={f.key} line={f} />
              ))}
            </dl>
          ) : null}
        </section>

        <section className="panel" data-testid="metrics">
          <h2>{t('metrics')}</h2>
          {m ? (
            <>
              <table>
                <caption>{t('minutesFromReport')}</caption>
                <tbody>
                  {metricLines(m.minutesTo, words).map((line) => (
                    <tr key={line.key}>
                      <th>{line.label}</th>
                      <td data-testid={`metric-${line.key}`}>{line.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3>{t('tenures')}</h3>
              <ul>
                {m.commanderTenures.map((tenure) => (
                  <li key={`${tenure.from}-${tenure.commander.userId}`}>{tenureLine(tenure, words)}</li>
                ))}
              </ul>
              <h3>{t('leadTimes')}</h3>
              <ul data-testid="lead-times">
                {m.resourceLeadTimes.map((r, n) => (
                  <li key={r.requestId}>{leadTimeLine(r, requests.find((q) => q.requestId === r.requestId), n, words)}</li>
                ))}
              </ul>
              <h3>{t('lateness')}</h3>
              <ul data-testid="lateness">
                {m.reportLateness.map((r) => {
                  const line = latenessLine(r, words);
                  return (
                    <li key={r.key} className={line.late ? 'overdue' : ''}>
                      {line.text}
                    </li>
                  );
                })}
              </ul>
            </>
          ) : (
            <p className="loading">{metrics.error?.message ?? t('loading')}</p>
          )}
        </section>

        <section className="panel" data-testid="exports">
          <h2>{t('exports')}</h2>
          <div className="buttons column">
            <button type="button" data-testid="export-csv" onClick={() => void client.exportTimeline(incidentId, 'csv').then((text) => download(`timeline-${incidentId}.csv`, 'text/csv', text))}>
              {t('timelineCsv')}
            </button>
            <button type="button" onClick={() => void client.exportTimeline(incidentId, 'json').then((text) => download(`timeline-${incidentId}.json`, 'application/json', text))}>
              {t('timelineJson')}
            </button>
            {(['ics201', 'ics209', 'ics214'] as const).map((form) => (
              <button key={form} type="button" data-testid={`form-${form}`} onClick={() => void client.form(incidentId, form).then((html) => download(`${form}-${incidentId}.html`, 'text/html', html))}>
                {form.toUpperCase().replace('ICS', 'ICS ')}
              </button>
            ))}
          </div>
        </section>
      </div>

      <IncidentHazardsPanel incidentId={incidentId} />

      <ReviewTimeline
        incidentId={incidentId}
        entries={timeline}
        words={words}
        person={person}
        // The server's correction rule (the lead room and the rooms above it, never a reviewer, while open).
        mayCorrect={data.offered.correction.includes('CorrectEntry')}
        onCorrected={() => void reload()}
      />
    </section>
  );
}
