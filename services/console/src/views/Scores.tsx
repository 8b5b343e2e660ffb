import { useState } from 'react';
import { download } from '../lib/download';
import { useI18n } from '../lib/i18n';
import { jurisdictionName, useApp, useLoad } from '../lib/session';
import { beijingDate, minutesText, monthStart, percent, periodOf, unitsWithin, type ReportScore } from '../lib/scores';
import { formatTime } from '../lib/time';

/** The columns of the scores (考核通报), in the order of the notice. */
const COLUMNS: { key: keyof ReportScore; show(s: ReportScore): string }[] = [
  { key: 'assessed', show: (s) => String(s.assessed) },
  { key: 'onTime', show: (s) => String(s.onTime) },
  { key: 'late', show: (s) => String(s.late) },
  { key: 'missing', show: (s) => String(s.missing) },
  { key: 'onTimeRate', show: (s) => percent(s.onTimeRate) },
  { key: 'meanLatenessMinutes', show: (s) => minutesText(s.meanLatenessMinutes) },
  { key: 'worstLatenessMinutes', show: (s) => minutesText(s.worstLatenessMinutes) },
  { key: 'filed', show: (s) => String(s.filed) },
  { key: 'completenessRate', show: (s) => percent(s.completenessRate) },
  { key: 'returned', show: (s) => String(s.returned) },
];

/**
 * 考核通报: how each unit of the room (itself and the units below it) reported in a period — due,
 * on time, late, missing, on-time rate, mean lateness, filed, completeness, returns — with the CSV.
 */
export function ScoresView() {
  const { client, session, jurisdictions } = useApp();
  const { t, tr, lang } = useI18n();
  const room = session.user.jurisdiction;
  const [fromDate, setFromDate] = useState(() => monthStart(Date.now()));
  const [toDate, setToDate] = useState(() => beijingDate(Date.now()));
  const [unit, setUnit] = useState('');
  const [csvError, setCsvError] = useState<string | null>(null);
  const period = periodOf(fromDate, toDate);
  const query = period ? { ...period, ...(unit ? { jurisdiction: unit } : {}) } : null;
  const scores = useLoad(() => (query ? client.reportScores(query) : Promise.resolve(null)), [client, fromDate, toDate, unit]);
  const name = (code: string) => jurisdictionName(jurisdictions, code, lang);
  const answer = scores.value;

  function csv() {
    if (!query) return;
    setCsvError(null);
    client.reportScoresCsv(query).then(
      (text) => download(`${t('scores')}_${fromDate}_${toDate}.csv`, 'text/csv;charset=utf-8', text),
      (e: unknown) => setCsvError(e instanceof Error ? e.message : String(e)),
    );
  }

  return (
    <section className="scores-view" data-testid="scores-view">
      <h1>
        {t('scores')} · {name(room)}
      </h1>
      <div className="panel period">
        <label className="field">
          <span className="label">{t('periodFrom')}</span>
          <input type="date" name="from" value={fromDate} onChange={(e) => setFromDate(e.target.value)} data-testid="scores-from" />
        </label>
        <label className={`field${period ? '' : ' invalid'}`}>
          <span className="label">{t('periodTo')}</span>
          <input type="date" name="to" value={toDate} onChange={(e) => setToDate(e.target.value)} data-testid="scores-to" />
        </label>
        <label className="field">
          <span className="label">{t('scoreUnit')}</span>
          <select name="jurisdiction" value={unit} onChange={(e) => setUnit(e.target.value)} data-testid="scores-unit">
            <option value="">{t('allUnits')}</option>
            {unitsWithin(jurisdictions, room).map((code) => (
              <option key={code} value={code}>
                {name(code)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={csv} disabled={!query} data-testid="scores-csv">
          {t('downloadCsv')}
        </button>
      </div>
      {csvError ? <p className="form-error">{csvError}</p> : null}
      {scores.error ? <p className="form-error">{scores.error.message}</p> : null}
      <section className="panel">
        {answer ? (
          <p className="hint">
            {formatTime(answer.from, lang)} — {formatTime(answer.to, lang)} · {t('asOf')} {formatTime(answer.asOf, lang)}
          </p>
        ) : null}
        {answer && answer.items.length === 0 ? <p className="empty">{t('noScores')}</p> : null}
        {answer && answer.items.length ? (
          <table className="scores" data-testid="scores">
            <thead>
              <tr>
                <th>{t('scoreUnit')}</th>
                {COLUMNS.map((c) => (
                  <th key={c.key} className="num">
                    {tr('score', c.key)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {answer.items.map((s) => (
                <tr key={s.jurisdiction} data-testid="score-row" data-jurisdiction={s.jurisdiction}>
                  <th>{name(s.jurisdiction)}</th>
                  {COLUMNS.map((c) => (
                    <td key={c.key} className="num" data-testid={`score-${c.key}`}>
                      {c.show(s)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <p className="hint">{t('scoresHint')}</p>
      </section>
    </section>
  );
}
