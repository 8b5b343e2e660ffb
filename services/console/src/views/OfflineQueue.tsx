import { MusterApiError } from '@muster/client';
import { CreateResourceRequestSchema, SCENE_COMMAND_SCHEMAS } from '@muster/contracts';
import { useState, type FormEvent } from 'react';
import { apiErrors, check, Field, FormError, type FieldErrors } from '../lib/forms';
import { useI18n, type MessageKey } from '../lib/i18n';
import { commandText, editableFields, withEdits, type CommandWords, type QueuedCommand } from '../lib/offline-queue';
import { useOffline } from '../lib/offline-sync';
import { commandName, useOfflineWords } from '../lib/offline-text';
import { nameIn } from '../lib/reports';
import { formatTime } from '../lib/time';

/**
 * The phone's network bar: 在线 / 离线 / 正在发送 N 条, and when the server last confirmed anything.
 * Always on the commander's screen, whatever the network does.
 */
export function NetworkBar() {
  const { network, queue, lastConfirmedAt } = useOffline();
  const { lang } = useI18n();
  const w = useOfflineWords();
  const waiting = queue.filter((c) => c.status === 'queued').length;
  const state = network === 'sending' ? w('sending', { n: String(waiting) }) : w(network);
  return (
    <p className={`network network-${network}`} data-testid="network" data-state={network} data-waiting={waiting}>
      <strong data-testid="network-state">● {state}</strong>
      <span data-testid="last-confirmed">{lastConfirmedAt ? w('lastConfirmed', { time: formatTime(lastConfirmedAt, lang, { date: false }) }) : w('neverConfirmed')}</span>
    </p>
  );
}

function useCommandWords(): CommandWords {
  const { t, tr, lang } = useI18n();
  return {
    t: (key) => t(key === 'resourcesOnScene' ? 'resources' : key),
    command: (type) => commandName(lang, type),
    priority: (value) => tr('priority', value),
    person: (value) => (value && typeof value === 'object' && 'name' in value && typeof value.name === 'string' ? nameIn(value.name, lang) : '—'),
  };
}

/** The server's reason for a refusal, in the console's language (the same wording as a form's error). */
function useReason(): (command: QueuedCommand) => string {
  const i18n = useI18n();
  return (command) => {
    const r = command.refusal;
    if (!r) return '';
    const error = new MusterApiError(r.status, { code: r.code, message: r.message, issues: r.issues, details: r.details }, undefined);
    // Scene commands have no `cmd.` names of their own in the console's messages: the queue's names serve.
    const words = { ...i18n, tr: (prefix: string, value: string | null | undefined) => (prefix === 'cmd' && value && i18n.tr(prefix, value) === value ? commandName(i18n.lang, value) : i18n.tr(prefix, value)) };
    return Object.entries(apiErrors(error, words))
      .map(([field, message]) => (field === '_form' ? message : `${fieldLabel(field, i18n.t)}：${message}`))
      .join('；');
  };
}

/** A payload path as the user knows the field: `items.1.quantity` → 数量 2. */
function fieldLabel(path: string, t: (key: MessageKey) => string): string {
  const parts = path.split('.');
  const last = parts[parts.length - 1] ?? path;
  const row = parts.find((p) => /^\d+$/.test(p));
  // The command's own occurredAt (the phone's clock when the user acted) is the 事发时间 of the server's words.
  const label = last === 'occurredAt' && parts.length === 1 ? t('occurredAtField') : ((t as (key: string) => string | undefined)(last) ?? last);
  return row === undefined ? label : `${label} ${Number(row) + 1}`;
}

/** The commands waiting to be sent, and the refused ones with the server's reason and the three choices. */
export function QueuePanel({ incidentId, sceneVersion }: { incidentId: string; sceneVersion: number | null }) {
  const { queue } = useOffline();
  const { lang } = useI18n();
  const w = useOfflineWords();
  const words = useCommandWords();
  const mine = queue.filter((c) => c.incidentId === incidentId);
  const waiting = mine.filter((c) => c.status === 'queued');
  const refused = mine.filter((c) => c.status === 'refused');
  if (mine.length === 0) return null;
  return (
    <>
      {waiting.length ? (
        <section className="panel queue" data-testid="queued-commands">
          <h3>{w('queuedTitle', { n: String(waiting.length) })}</h3>
          <ol>
            {waiting.map((c) => (
              <li key={c.seq} data-testid="queued-command" data-type={c.type}>
                <span className="what">{commandText(c, words)}</span> <time className="hint">{w('actedAt', { time: formatTime(c.occurredAt, lang, { date: false }) })}</time>
              </li>
            ))}
          </ol>
        </section>
      ) : null}
      {refused.length ? (
        <section className="panel refused" data-testid="refused-commands">
          <h3>{w('refusedTitle', { n: String(refused.length) })}</h3>
          <p className="hint">{w('refusedHint')}</p>
          {refused.map((c) => (
            <RefusedCommand key={c.seq} command={c} text={commandText(c, words)} sceneVersion={sceneVersion} />
          ))}
        </section>
      ) : null}
    </>
  );
}

function RefusedCommand({ command, text, sceneVersion }: { command: QueuedCommand; text: string; sceneVersion: number | null }) {
  const offline = useOffline();
  const i18n = useI18n();
  const { lang, t } = i18n;
  const w = useOfflineWords();
  const reason = useReason();
  const [editing, setEditing] = useState(false);
  const fields = editableFields(command.data);
  const [edits, setEdits] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.path, f.value])));
  const [errors, setErrors] = useState<FieldErrors>({});

  async function resend(event: FormEvent) {
    event.preventDefault();
    const data = withEdits(command.data, fields, edits);
    const schema = command.kind === 'request' ? CreateResourceRequestSchema.shape.data : SCENE_COMMAND_SCHEMAS[command.type as keyof typeof SCENE_COMMAND_SCHEMAS];
    const checked = schema ? check(schema, data) : { ok: true as const, value: data };
    if (!checked.ok) return setErrors(checked.errors);
    // Resent against the structure the user sees now, not the one he saw when he first acted.
    await offline.resend(command.kind === 'scene' ? { ...command, seenVersion: sceneVersion } : command, data);
  }

  return (
    <div className="refused-command" data-testid="refused-command" data-type={command.type}>
      <p>
        <strong className="what">{text}</strong> <time className="hint">{w('actedAt', { time: formatTime(command.occurredAt, lang, { date: false }) })}</time>
      </p>
      <p className="form-error" data-testid="refusal-reason">
        {w('serverReason', { reason: reason(command) })}
      </p>
      {editing ? (
        <form className="command-form" onSubmit={(e) => void resend(e)} noValidate data-testid="edit-resend-form">
          {fields.map((f) => (
            <Field key={f.path} name={f.path} label={fieldLabel(f.path, t)} error={errors[f.path]}>
              {f.value.length > 40 ? (
                <textarea name={f.path} value={edits[f.path] ?? ''} onChange={(e) => setEdits({ ...edits, [f.path]: e.target.value })} />
              ) : (
                <input name={f.path} inputMode={f.numeric ? 'numeric' : undefined} value={edits[f.path] ?? ''} onChange={(e) => setEdits({ ...edits, [f.path]: e.target.value })} />
              )}
            </Field>
          ))}
          <FormError errors={errors} />
          <div className="buttons">
            <button type="submit" data-testid="resend">
              {w('resend')}
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              {w('cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div className="buttons">
          <button type="button" className="secondary" data-testid="discard" onClick={() => void offline.discard(command)}>
            {w('discard')}
          </button>
          <button type="button" data-testid="edit-resend" onClick={() => setEditing(true)}>
            {w('editResend')}
          </button>
          <button type="button" data-testid="as-report" onClick={() => void offline.sendAsReport(command, text)}>
            {w('asReport')}
          </button>
        </div>
      )}
    </div>
  );
}
