import type { WarningRecipient } from '@muster/client';
import { COMMAND_PAYLOAD_SCHEMAS } from '@muster/contracts';
import { useState, type FormEvent } from 'react';
import { apiErrors, check, Field, FormError, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { usePeople } from '../lib/people';
import { nameIn } from '../lib/reports';
import { useApp, useLoad } from '../lib/session';
import { formatTime } from '../lib/time';
import { useWarningWords } from '../lib/use-warning-words';
import { errorAt } from './WarningContentForm';

/**
 * 签收情况 (the last mile, 最后一公里) of an issued warning: x/y acknowledged, by township, who has
 * not acknowledged, and the manual tasks (人工通知) the deadline left for the duty room, each with the
 * form to record the call's outcome. `tick` changes with every live event of the warning, so the
 * board is read again without a page reload.
 */
export function AckBoard({ warningId, room, tick, mayRecord }: { warningId: string; room: string; tick: number; mayRecord: boolean }) {
  const { client } = useApp();
  const { lang } = useI18n();
  const { w, wr } = useWarningWords();
  const board = useLoad(() => client.call('warningAckBoard', { params: { warningId } }), [client, warningId, tick]);
  // Who made a call, by name (the board names the officer by login id).
  const { people } = usePeople([room]);
  const caller = (userId: string) => {
    const found = people.find((p) => p.userId === userId);
    return found ? nameIn(found.name, lang) : w('unknownPerson');
  };
  const b = board.value;
  if (!b) return <section className="panel">{board.error ? <p className="form-error">{board.error.message}</p> : <p className="loading">…</p>}</section>;
  const time = (iso: string | null | undefined) => formatTime(iso, lang, { zone: false });
  const who = (r: WarningRecipient) => `${r.name}（${wr('crole', r.role)}，${r.areaName}）`;
  // A call that did not reach them leaves the task open (they may be called again); reached closes it.
  const openTasks = b.manualTasks.filter((r) => r.manual?.outcome !== 'reached');
  const doneTasks = b.manualTasks.filter((r) => r.manual?.outcome === 'reached');
  const lastCall = (r: WarningRecipient) => (r.manual ? `${w('lastCall')}：${wr('outcome', r.manual.outcome)} · ${r.manual.note} · ${caller(r.manual.by)} · ${time(r.manual.at)}` : null);

  return (
    <section className="panel ack-board" data-testid="ack-board">
      <h2>{w('ackBoard')}</h2>
      <p className="ack-count" data-testid="ack-count" data-acknowledged={b.acknowledged} data-total={b.total}>
        {w('ackCount', { x: b.acknowledged, y: b.total })}
      </p>
      <p className="muted">
        {w('sentCount', { n: b.sent })} · {w('deliveredCount', { n: b.delivered })} · {w('inTime', { n: b.acknowledgedInTime })} · {w('deadline')} {time(b.ackDeadline)}
        {b.deadlinePassed ? ` · ${w('deadlinePassed')}` : ''}
      </p>
      {b.total === 0 ? <p className="empty">{w('noRecipients')}</p> : null}

      <h3>{w('byTownship')}</h3>
      <table className="grid" data-testid="ack-by-area">
        <tbody>
          {b.byArea.map((a) => (
            <tr key={a.area} data-area={a.areaName} className={a.acknowledged < a.total ? 'short' : ''}>
              <td>{a.areaName}</td>
              <td>
                {a.acknowledged} / {a.total}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>{w('notAcknowledged')}</h3>
      {b.notAcknowledged.length === 0 && b.total > 0 ? <p className="empty">{w('allAcknowledged')}</p> : null}
      <ul data-testid="ack-missing">
        {b.notAcknowledged.map((r) => (
          <li key={r.recipientId} data-testid="ack-missing-row">
            {who(r)} · {r.phone} · {wr('dstate', r.state)}
          </li>
        ))}
      </ul>

      <h3>{w('manualTasks')}</h3>
      {openTasks.length === 0 ? <p className="empty">{w('noManualTasks')}</p> : null}
      {openTasks.map((r) =>
        mayRecord ? (
          <ManualOutcomeForm key={r.recipientId} warningId={warningId} recipient={r} label={who(r)} lastCall={lastCall(r)} />
        ) : (
          <p key={r.recipientId}>
            {who(r)} · <a href={`tel:${r.phone}`}>{r.phone}</a> {lastCall(r)}
          </p>
        ),
      )}
      {doneTasks.length > 0 ? (
        <ul data-testid="manual-done">
          {doneTasks.map((r) => (
            <li key={r.recipientId} data-testid="manual-done-row">
              {who(r)} · {r.manual ? `${wr('outcome', r.manual.outcome)} · ${r.manual.note} · ${caller(r.manual.by)} · ${time(r.manual.at)}` : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/** 记录通知结果: the duty officer called the recipient; reached (informed) or not, with a note. */
function ManualOutcomeForm({ warningId, recipient, label, lastCall }: { warningId: string; recipient: WarningRecipient; label: string; lastCall: string | null }) {
  const i18n = useI18n();
  const { client } = useApp();
  const { w, wr } = useWarningWords();
  const [outcome, setOutcome] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = check(COMMAND_PAYLOAD_SCHEMAS.warning.RecordManualOutcome, { recipientId: recipient.recipientId, outcome: outcome || undefined, note });
    if (!checked.ok) return setErrors(checked.errors);
    setBusy(true);
    try {
      await client.call('warningCommand', { params: { warningId }, body: { type: 'RecordManualOutcome', data: checked.value } });
      setErrors({});
      setOutcome('');
      setNote('');
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="command-form manual-task" onSubmit={(e) => void submit(e)} noValidate data-testid="manual-task">
      <p>
        {label} · <a href={`tel:${recipient.phone}`}>{recipient.phone}</a>
      </p>
      {lastCall ? <p className="muted">{lastCall}</p> : null}
      <Field name="outcome" label={w('callOutcome')} error={errorAt(errors, 'outcome')}>
        <select name="outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          <option value="">—</option>
          {(['reached', 'unreachable'] as const).map((o) => (
            <option key={o} value={o}>
              {wr('outcome', o)}
            </option>
          ))}
        </select>
      </Field>
      <Field name="note" label={w('outcomeNote')} error={errorAt(errors, 'note')}>
        <input name="note" value={note} onChange={(e) => setNote(e.target.value)} />
      </Field>
      <FormError errors={errors} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {w('recordOutcome')}
        </button>
      </div>
    </form>
  );
}
