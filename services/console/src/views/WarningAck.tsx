import { MusterApiError, type PublicAckView } from '@muster/client';
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../lib/i18n';
import { anonymousClient } from '../lib/session';
import { formatTime } from '../lib/time';
import { useWarningWords } from '../lib/use-warning-words';
import { WarningLevelBadge } from './Warnings';

/**
 * The recipient's phone page (`#/ack/<token>`, opened from the link in the SMS or app message; no
 * login): the warning in plain Chinese — level in its colour, headline, area, what to do, who issued
 * it — and one big 收到并知晓 button. The token is the signed link itself; a forged or expired one
 * shows one sentence and whom to call, never an error code.
 */
export function WarningAckPage({ token }: { token: string }) {
  const { lang } = useI18n();
  const { w } = useWarningWords();
  const client = useMemo(() => anonymousClient(), []);
  const [view, setView] = useState<PublicAckView | null>(null);
  const [bad, setBad] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    client.call('publicAckView', { params: { token } }).then(
      (answer) => setView(answer),
      () => setBad(true),
    );
  }, [client, token]);

  async function acknowledge() {
    setBusy(true);
    setFailed(null);
    try {
      const answer = await client.call('publicAcknowledge', { params: { token }, body: {} });
      setView((v) => (v ? { ...v, acknowledged: true, acknowledgedAt: answer.acknowledgedAt } : v));
    } catch (error) {
      // No network or the server away: say so and let them tap again; a refused link is a bad link.
      // Lifted meanwhile (409): nothing left to acknowledge; any other refusal is a bad link.
      if (error instanceof MusterApiError && error.status === 409) setView((v) => (v ? { ...v, over: true } : v));
      else if (error instanceof MusterApiError && error.status >= 400 && error.status < 500) setBad(true);
      else setFailed(w('ackRetry'));
    } finally {
      setBusy(false);
    }
  }

  if (bad) {
    return (
      <main className="ack-page" data-testid="ack-page">
        <p className="form-error" data-testid="ack-bad-link">
          {w('ackBadLink')}
        </p>
      </main>
    );
  }
  if (!view) return <main className="ack-page loading">…</main>;
  const v = view;
  return (
    <main className={`ack-page wborder-${v.level}`} data-testid="ack-page">
      <p className="muted">
        {w('ackTitle')} · {v.recipientName}
      </p>
      <WarningLevelBadge level={v.level} />
      <h1 data-testid="ack-headline">{v.headline}</h1>
      <dl className="facts">
        <dt>{w('area')}</dt>
        <dd>{v.areaDescription}</dd>
        <dt>{w('ackIssuer')}</dt>
        <dd>{v.issuerRoomName}</dd>
      </dl>
      <h2>{w('instruction')}</h2>
      <p className="prewrap">{v.instruction}</p>
      {v.acknowledged ? (
        <p className="ack-done" data-testid="ack-done">
          ✓ {w('ackDone')}
          <br />
          {w('ackAt')}：{formatTime(v.acknowledgedAt, lang)}
        </p>
      ) : v.over ? (
        <p className="banner over">{w('ackLifted')}</p>
      ) : (
        <button type="button" className="ack-button" onClick={() => void acknowledge()} disabled={busy} data-testid="ack-button">
          {w('ackButton')}
        </button>
      )}
      {failed ? <p className="form-error">{failed}</p> : null}
    </main>
  );
}
