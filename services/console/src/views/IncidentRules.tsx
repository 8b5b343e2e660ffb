import type { IncidentView as Incident } from '@muster/contracts';
import { INCIDENT_COMMAND_SCHEMAS, SeveritySchema } from '@muster/contracts';
import { useState } from 'react';
import { CommandForm } from '../lib/command-form';
import { apiErrors, FormError, type FieldErrors } from '../lib/forms';
import { useI18n, type I18n, type MessageKey } from '../lib/i18n';
import { jurisdictionName, useApp } from '../lib/session';

/** Sends one incident command and resolves when the api has accepted it. */
export type SendIncidentCommand = (type: keyof typeof INCIDENT_COMMAND_SCHEMAS) => (payload: unknown) => Promise<unknown>;

/** The response-level authority of the rules in force for an incident (GET /rules of its lead). */
export type ResponseAuthority = readonly { levels: readonly string[]; lowestRoom: string }[];

/** Ranks of the tree's levels, the province highest; a zone ranks with the counties (as plan-rules.ts). */
const LEVEL_RANK: Readonly<Record<string, number>> = { province: 0, city: 1, county: 2, zone: 2, township: 3 };

/**
 * Response levels to choose from, labelled 一级响应 … 四级响应 (never like severities): those the
 * room may activate under the rules in force (a room of the level the rule names or above; a level no
 * rule names is open to all). Without the rules (or the room's level) every level is offered and the
 * api's refusal is shown in Chinese.
 */
export function responseLevelOptions(tr: I18n['tr'], authority: ResponseAuthority | null, roomLevel: string | undefined): { value: string; label: string }[] {
  const rank = roomLevel === undefined ? undefined : LEVEL_RANK[roomLevel];
  const allowed = (level: string): boolean => {
    const rule = authority?.find((r) => r.levels.includes(level));
    const lowest = rule === undefined ? undefined : LEVEL_RANK[rule.lowestRoom];
    return rule === undefined || rank === undefined || lowest === undefined || rank <= lowest;
  };
  return SeveritySchema.options.filter(allowed).map((level) => ({ value: level, label: tr('resp', level) }));
}

/** A button that sends one command, with the api's refusal beside it. */
function ActionButton({ testId, label, onSend }: { testId: string; label: string; onSend(): Promise<unknown> }) {
  const i18n = useI18n();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        data-testid={testId}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setErrors({});
          onSend()
            .catch((error: unknown) => setErrors(apiErrors(error, i18n)))
            .finally(() => setBusy(false));
        }}
      >
        {label}
      </button>
      <FormError errors={errors} />
    </>
  );
}

const FIGURES: readonly { key: 'dead' | 'injured' | 'economicLoss'; label: MessageKey }[] = [
  { key: 'dead', label: 'dead' },
  { key: 'injured', label: 'injured' },
  { key: 'economicLoss', label: 'economicLoss' },
];

/**
 * 建议调整事件级别: the grading thresholds (分级标准) reached by the scene's figures suggest a higher
 * severity; the command room confirms it (the severity changes, linkage and report deadlines follow)
 * or dismisses it with a reason.
 */
export function SuggestionBanner({ incident, mayAnswer, send }: { incident: Incident; mayAnswer: boolean; send: SendIncidentCommand }) {
  const { t, tr } = useI18n();
  const suggestion = incident.suggestedSeverity;
  if (!suggestion) return null;
  const figures = FIGURES.filter((f) => suggestion.figures[f.key] !== undefined).map((f) => `${t(f.label)} ${suggestion.figures[f.key] ?? ''}`);
  return (
    <section className="banner suggestion" data-testid="suggestion-banner" data-severity={suggestion.severity}>
      <h2>
        {t('suggestion')}：{tr('sev', suggestion.severity)}
      </h2>
      <p>
        {t('suggestionFrom')} {incident.severity ? tr('sev', incident.severity) : t('sev.none')}；{t('suggestionBasis')}：{suggestion.source}
      </p>
      {figures.length > 0 ? (
        <p data-testid="suggestion-figures">
          {t('suggestionFigures')}：{figures.join('，')}
        </p>
      ) : null}
      {mayAnswer ? (
        <div className="banner-actions">
          <ActionButton testId="confirm-suggestion" label={t('confirmSuggestion')} onSend={() => send('ConfirmSuggestedSeverity')({})} />
          <CommandForm
            title={t('dismissSuggestion')}
            testId="dismiss-suggestion"
            schema={INCIDENT_COMMAND_SCHEMAS.DismissSuggestedSeverity}
            fields={[{ name: 'reason', label: 'reason', kind: 'text' }]}
            send={send('DismissSuggestedSeverity')}
            submitLabel={t('dismissSuggestion')}
          />
        </div>
      ) : null}
    </section>
  );
}

/**
 * 提请接管指挥: the linkage rules prompt a room above the lead (II and I: the province) to take
 * unified command. Only that room sees the prompt's actions: take the lead, or decline with a reason.
 */
export function LeadPromptBanner({ incident, send }: { incident: Incident; send: SendIncidentCommand }) {
  const { t, tr, lang } = useI18n();
  const { session, jurisdictions, hasRole } = useApp();
  const prompt = incident.leadPrompt;
  if (!prompt || prompt.jurisdiction !== session.user.jurisdiction || !hasRole('duty_officer', 'leader')) return null;
  return (
    <section className="banner lead-prompt" data-testid="lead-prompt-banner">
      <h2>
        {t('leadPrompt')}：{jurisdictionName(jurisdictions, prompt.jurisdiction, lang)}
      </h2>
      <p>
        {tr('sev', prompt.severity)}，{t('leadPromptText')}
      </p>
      <div className="banner-actions">
        <ActionButton testId="take-lead" label={t('takeLead')} onSend={() => send('RaiseLead')({ reason: t('takeLeadReason'), to: prompt.jurisdiction })} />
        <CommandForm
          title={t('declineLead')}
          testId="decline-lead"
          schema={INCIDENT_COMMAND_SCHEMAS.DeclineLead}
          fields={[{ name: 'reason', label: 'reason', kind: 'text' }]}
          send={send('DeclineLead')}
          submitLabel={t('declineLead')}
        />
      </div>
    </section>
  );
}
