import type { TimelineEntry } from '@muster/client';
import { CorrectEntryRequestSchema } from '@muster/contracts';
import { useMemo, useState } from 'react';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { amendableFields, correctionLine, correctionsOf, eventName, isStruck, type ReviewWords } from '../lib/review-text';
import { fill } from '../lib/reports';
import { jurisdictionName, useApp } from '../lib/session';
import { filterTimeline, isFiltered, isLane, LANES, NO_FILTER, peopleIn, roomsIn, type TimelineFilter } from '../lib/timeline-filter';
import { entryTime } from '../lib/entry-time';
import { fromLocalInput, zoneLabel } from '../lib/time';
import { actorLabel, summary } from '../lib/timeline-text';

/**
 * The review's timeline: every entry of the record, filtered by lane, room, person and time span;
 * a corrected entry stays in place, struck through or marked amended, with the correction under it
 * (what, why, who by name, when). The command room may correct an entry from its own line.
 */
export function ReviewTimeline(props: {
  incidentId: string;
  entries: TimelineEntry[];
  words: ReviewWords;
  /** A person by name (the people directory, else the room and role he acted in). */
  person(userId: string): string;
  /** The command policy's correction rule, decided by the caller in one expression. */
  mayCorrect: boolean;
  onCorrected(): void;
}) {
  const { client, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const [filter, setFilter] = useState<TimelineFilter>(NO_FILTER);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [correcting, setCorrecting] = useState<string | null>(null);
  const { entries, words } = props;
  const shown = useMemo(() => filterTimeline(entries, filter), [entries, filter]);
  const room = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const correctionWords = { ...words, person: props.person };
  const set = (part: Partial<TimelineFilter>) => setFilter({ ...filter, ...part });

  return (
    <section className="panel" data-testid="review-timeline">
      <h2>{t('timeline')}</h2>
      <div className="filters period" data-testid="timeline-filters" aria-label={t('filters')}>
        <label className="field">
          <span className="label">{t('filterLane')}</span>
          <select value={filter.lane} onChange={(e) => set({ lane: isLane(e.target.value) ? e.target.value : '' })} data-testid="filter-lane">
            <option value="">{t('allLanes')}</option>
            {LANES.map((lane) => (
              <option key={lane} value={lane}>
                {tr('lane', lane)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="label">{t('filterRoom')}</span>
          <select value={filter.room} onChange={(e) => set({ room: e.target.value })} data-testid="filter-room">
            <option value="">{t('everyRoom')}</option>
            {roomsIn(entries).map((code) => (
              <option key={code} value={code}>
                {room(code)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="label">{t('filterPerson')}</span>
          <select value={filter.person} onChange={(e) => set({ person: e.target.value })} data-testid="filter-person">
            <option value="">{t('everyone')}</option>
            {peopleIn(entries).map((p) => (
              <option key={p.userId} value={p.userId}>
                {props.person(p.userId)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="label">
            {t('filterFrom')} {zoneLabel(lang)}
          </span>
          <input
            type="datetime-local"
            step={1}
            value={from}
            onChange={(e) => {
              setFrom(e.target.value);
              set({ from: fromLocalInput(e.target.value) });
            }}
            data-testid="filter-from"
          />
        </label>
        <label className="field">
          <span className="label">
            {t('filterTo')} {zoneLabel(lang)}
          </span>
          <input
            type="datetime-local"
            step={1}
            value={to}
            onChange={(e) => {
              setTo(e.target.value);
              set({ to: fromLocalInput(e.target.value) });
            }}
            data-testid="filter-to"
          />
        </label>
        {isFiltered(filter) ? (
          <button
            type="button"
            className="link"
            onClick={() => {
              setFilter(NO_FILTER);
              setFrom('');
              setTo('');
            }}
            data-testid="filter-clear"
          >
            {t('clearFilters')}
          </button>
        ) : null}
      </div>
      <p className="hint" data-testid="timeline-count">
        {fill(t('shownOf'), { n: String(shown.length), total: String(entries.length) })}
      </p>
      <ol className="timeline">
        {shown.map((e) => {
          const corrections = correctionsOf(e);
          const struck = isStruck(e);
          // A correction is itself corrected by correcting the original again (the api refuses the other).
          const correctable = props.mayCorrect && e.streamType !== 'correction';
          return (
            <li
              key={e.eventId}
              className={struck ? 'struck' : corrections.length ? 'amended' : ''}
              data-testid="timeline-entry"
              data-lane={e.streamType}
              data-struck={struck ? 'true' : undefined}
              data-amended={!struck && corrections.length ? 'true' : undefined}
            >
              <span className="entry-line">
                <time>{entryTime(e, lang)}</time> <strong>{eventName(e.type, words)}</strong> <span className="actor">{actorLabel(e, room, tr)}</span>{' '}
                <span className="summary">{summary(e, { tr, lang, room })}</span>
              </span>
              {corrections.map((c) => (
                <div key={`${c.recordedAt}-${c.kind}`} className={`correction-note ${c.kind}`} data-testid="correction-note">
                  {correctionLine(c, correctionWords)}
                </div>
              ))}
              {correctable ? (
                <button type="button" className="link" onClick={() => setCorrecting(correcting === e.eventId ? null : e.eventId)} data-testid="correct-entry">
                  {t('correct')}
                </button>
              ) : null}
              {correctable && correcting === e.eventId ? (
                <CorrectionForm
                  entry={e}
                  words={words}
                  send={(data) => client.call('correctEntry', { params: { incidentId: props.incidentId }, body: { data } })}
                  onSent={() => {
                    setCorrecting(null);
                    props.onCorrected();
                  }}
                />
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** Strike or amend one entry, with the reason; an amendment restates one of the entry's plain fields. */
function CorrectionForm(props: { entry: TimelineEntry; words: ReviewWords; send(data: unknown): Promise<unknown>; onSent(): void }) {
  const { t, tr } = useI18n();
  const fields = amendableFields(props.entry.data, props.words);
  return (
    <CommandForm
      title={t('correctEntry')}
      testId="correction-form"
      schema={CorrectEntryRequestSchema.shape.data}
      fields={[
        { name: 'kind', label: 'correctionKind', kind: 'select', options: (['strike', 'amend'] as const).map((k) => ({ value: k, label: tr('correctionKind', k) })), initial: 'strike' },
        ...(fields.length
          ? [
              { name: 'amendField', label: 'amendField' as const, kind: 'select' as const, options: fields.map((f) => ({ value: f.key, label: `${f.label}（${f.value}）` })) },
              { name: 'amendValue', label: 'amendValue' as const, kind: 'text' as const },
            ]
          : []),
        { name: 'reason', label: 'correctionReason', kind: 'textarea' },
      ]}
      // The form's amendField/amendValue become the amended data; a strike carries none.
      prepare={({ amendField, amendValue, ...rest }) => {
        const field = fields.find((f) => f.key === amendField);
        if (rest['kind'] !== 'amend' || !field || typeof amendValue !== 'string') return { ...rest, eventId: props.entry.eventId };
        const value = field.numeric && /^-?\d+$/.test(amendValue.trim()) ? Number(amendValue.trim()) : amendValue;
        return { ...rest, eventId: props.entry.eventId, amendedData: { [field.key]: value } };
      }}
      more={(errors) =>
        errors['amendedData'] ? (
          <span className="field-error" role="alert" data-testid="error-amendedData">
            {t('amendNeeded')}
          </span>
        ) : null
      }
      send={props.send}
      submitLabel={t('correct')}
      onSent={props.onSent}
    />
  );
}
