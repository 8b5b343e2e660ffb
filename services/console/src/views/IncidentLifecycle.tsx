import type { IncidentView as Incident, PlanSummary } from '@muster/contracts';
import { CategorySchema, INCIDENT_COMMAND_SCHEMAS, SeveritySchema } from '@muster/contracts';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { linkageRooms, type IncidentFormId } from '../lib/incident-forms';
import { jurisdictionName, useApp } from '../lib/session';
import { measuresFor, planWord } from '../lib/plan-text';
import type { SendIncidentCommand } from './IncidentRules';

/**
 * The room's incident commands, each form offered when `forms` says so (lib/incident-forms.ts: the
 * machine state the command needs and who may send it), from the first check to the close, and the
 * linkage between rooms (联动, 支援, 提级). Rooms are picked by name from the served tree.
 */
export function IncidentLifecycle({
  incident,
  forms,
  levelOptions,
  send,
  plan = null,
}: {
  incident: Incident;
  forms: Record<IncidentFormId, boolean>;
  levelOptions: { value: string; label: string }[];
  send: SendIncidentCommand;
  /** The plan in force for the incident: its measures for the level being chosen show under the level (issue 22). */
  plan?: PlanSummary | null;
}) {
  const { jurisdictions, session } = useApp();
  const { t, tr, lang } = useI18n();
  const severityOptions = SeveritySchema.options.map((s) => ({ value: s, label: tr('sev', s) }));
  const categoryOptions = CategorySchema.options.map((c) => ({ value: c, label: tr('cat', c) }));
  // Rooms of the tree below the province that a linkage form may name, by name.
  const tree = [...jurisdictions.values()].filter((j) => j.level !== 'province').map((j) => j.code);
  const rooms = linkageRooms(incident, tree);
  const roomOptions = (codes: readonly string[]) => codes.map((code) => ({ value: code, label: jurisdictionName(jurisdictions, code, lang) }));
  const planMeasures = (values: Readonly<Record<string, string>>) => {
    const measures = measuresFor(plan, values['level']);
    if (measures === null || !plan) return null;
    return (
      <div className="plan-measures" data-testid="plan-measures-for-level">
        <strong>{planWord(lang, 'measuresOfPlan', { level: tr('resp', values['level']) })}</strong>（{plan.title}）
        <div>{measures}</div>
      </div>
    );
  };
  const lifecycle = (Object.keys(forms) as IncidentFormId[]).some((f) => forms[f] && !LINKAGE_FORMS.has(f));
  const linkage = [...LINKAGE_FORMS].some((f) => forms[f]);
  if (!lifecycle && !linkage) return null;

  return (
    <section className="actions" data-testid="incident-actions">
      <h2>{t('actions')}</h2>
      {forms.beginVerification ? (
        <CommandForm title={t('beginVerification')} testId="begin-verification" schema={INCIDENT_COMMAND_SCHEMAS.BeginVerification} fields={[]} send={send('BeginVerification')} />
      ) : null}
      {forms.confirmIncident ? (
        <CommandForm
          title={t('confirm')}
          testId="confirm-incident"
          schema={INCIDENT_COMMAND_SCHEMAS.ConfirmIncident}
          fields={[
            { name: 'category', label: 'category', kind: 'select', options: categoryOptions, initial: incident.category ?? '' },
            { name: 'severity', label: 'severity', kind: 'select', options: severityOptions, initial: incident.severity ?? '' },
          ]}
          send={send('ConfirmIncident')}
        />
      ) : null}
      {forms.dismissIncident ? (
        <CommandForm
          title={t('dismissIncident')}
          testId="dismiss-incident"
          schema={INCIDENT_COMMAND_SCHEMAS.DismissIncident}
          fields={[{ name: 'reason', label: 'dismissReason', kind: 'text', tag: 'required' }]}
          send={send('DismissIncident')}
          submitLabel={t('dismissIncident')}
        />
      ) : null}
      {forms.beginInitialHandling ? (
        <CommandForm
          title={t('beginInitialHandling')}
          testId="begin-initial-handling"
          schema={INCIDENT_COMMAND_SCHEMAS.BeginInitialHandling}
          fields={[{ name: 'measures', label: 'measures', kind: 'textarea', tag: 'required' }]}
          send={send('BeginInitialHandling')}
        />
      ) : null}
      {forms.activateResponse ? (
        <CommandForm
          title={t('activateResponse')}
          testId="activate-response"
          schema={INCIDENT_COMMAND_SCHEMAS.ActivateResponse}
          fields={[
            { name: 'level', label: 'responseLevel', kind: 'select', options: levelOptions },
            { name: 'measures', label: 'measures', kind: 'textarea', tag: 'required' },
          ]}
          send={send('ActivateResponse')}
          aside={planMeasures}
        />
      ) : null}
      {forms.changeResponseLevel ? (
        // ChangeResponseLevel takes a level and a reason (no measures: those go with the activation).
        <CommandForm
          title={t('changeResponseLevel')}
          testId="change-response-level"
          schema={INCIDENT_COMMAND_SCHEMAS.ChangeResponseLevel}
          fields={[
            { name: 'level', label: 'responseLevel', kind: 'select', options: levelOptions.filter((o) => o.value !== incident.responseLevel) },
            { name: 'reason', label: 'reason', kind: 'text', tag: 'required' },
          ]}
          send={send('ChangeResponseLevel')}
          aside={planMeasures}
        />
      ) : null}
      {forms.declareControlled ? (
        <CommandForm
          title={t('declareControlled')}
          testId="declare-controlled"
          schema={INCIDENT_COMMAND_SCHEMAS.DeclareControlled}
          fields={[{ name: 'summary', label: 'controlSummary', kind: 'textarea' }]}
          send={send('DeclareControlled')}
        />
      ) : null}
      {forms.liftResponse ? (
        <CommandForm
          title={t('liftResponse')}
          testId="lift-response"
          schema={INCIDENT_COMMAND_SCHEMAS.LiftResponse}
          fields={[{ name: 'reason', label: 'reason', kind: 'text' }]}
          send={send('LiftResponse')}
          submitLabel={t('liftResponse')}
        />
      ) : null}
      {forms.beginRecovery ? (
        <CommandForm
          title={t('beginRecovery')}
          testId="begin-recovery"
          schema={INCIDENT_COMMAND_SCHEMAS.BeginRecovery}
          fields={[{ name: 'plan', label: 'recoveryPlan', kind: 'textarea' }]}
          send={send('BeginRecovery')}
          submitLabel={t('beginRecovery')}
        />
      ) : null}
      {forms.beginReview ? (
        <CommandForm
          title={t('beginReview')}
          testId="begin-review"
          schema={INCIDENT_COMMAND_SCHEMAS.BeginReview}
          fields={[{ name: 'note', label: 'note', kind: 'textarea' }]}
          send={send('BeginReview')}
          submitLabel={t('beginReview')}
        />
      ) : null}
      {forms.closeIncident ? (
        <CommandForm
          title={t('closeIncident')}
          testId="close-incident"
          schema={INCIDENT_COMMAND_SCHEMAS.CloseIncident}
          fields={[{ name: 'summary', label: 'closingSummary', kind: 'textarea', tag: 'required' }]}
          send={send('CloseIncident')}
          submitLabel={t('closeIncident')}
        />
      ) : null}
      {forms.classifyIncident ? (
        <CommandForm
          title={t('classify')}
          testId="classify-incident"
          schema={INCIDENT_COMMAND_SCHEMAS.ClassifyIncident}
          fields={[
            { name: 'category', label: 'category', kind: 'select', options: categoryOptions, initial: incident.category ?? '' },
            { name: 'severity', label: 'severity', kind: 'select', options: severityOptions, initial: incident.severity ?? '' },
            { name: 'reason', label: 'reason', kind: 'text' },
          ]}
          send={send('ClassifyIncident')}
        />
      ) : null}
      {forms.updateDetails ? (
        // Only what is typed is sent: an empty input leaves that detail as it is.
        <CommandForm
          title={t('updateDetails')}
          testId="update-details"
          schema={INCIDENT_COMMAND_SCHEMAS.UpdateIncidentDetails}
          fields={[
            { name: 'title', label: 'title', kind: 'text' },
            { name: 'description', label: 'description', kind: 'textarea' },
            { name: 'location.description', label: 'locationText', kind: 'text' },
          ]}
          send={send('UpdateIncidentDetails')}
          submitLabel={t('updateDetails')}
        />
      ) : null}

      {linkage ? <h2>{t('linkage')}</h2> : null}
      {forms.raiseLead ? (
        <CommandForm title={t('raiseLead')} testId="raise-lead" schema={INCIDENT_COMMAND_SCHEMAS.RaiseLead} fields={[{ name: 'reason', label: 'reason', kind: 'text', tag: 'required' }]} send={send('RaiseLead')} />
      ) : null}
      {forms.takeLeadHere ? (
        <CommandForm
          title={t('takeLeadHere')}
          testId="take-lead-here"
          schema={INCIDENT_COMMAND_SCHEMAS.RaiseLead}
          fields={[{ name: 'reason', label: 'reason', kind: 'text', tag: 'required' }]}
          extra={() => ({ to: session.user.jurisdiction })}
          send={send('RaiseLead')}
        />
      ) : null}
      {forms.handBackLead ? (
        <CommandForm title={t('handBackLead')} testId="hand-back-lead" schema={INCIDENT_COMMAND_SCHEMAS.HandBackLead} fields={[{ name: 'reason', label: 'reason', kind: 'text', tag: 'required' }]} send={send('HandBackLead')} />
      ) : null}
      {forms.linkRoom && rooms.link.length > 0 ? (
        <CommandForm
          title={t('linkRoom')}
          testId="link-room"
          schema={INCIDENT_COMMAND_SCHEMAS.LinkRoom}
          fields={[
            { name: 'jurisdiction', label: 'room', kind: 'select', options: roomOptions(rooms.link) },
            { name: 'reason', label: 'reason', kind: 'text' },
          ]}
          send={send('LinkRoom')}
          submitLabel={t('linkRoom')}
        />
      ) : null}
      {forms.unlinkRoom ? (
        <CommandForm
          title={t('unlinkRoom')}
          testId="unlink-room"
          schema={INCIDENT_COMMAND_SCHEMAS.UnlinkRoom}
          fields={[
            { name: 'jurisdiction', label: 'room', kind: 'select', options: roomOptions(rooms.unlink) },
            { name: 'reason', label: 'reason', kind: 'text' },
          ]}
          send={send('UnlinkRoom')}
          submitLabel={t('unlinkRoom')}
        />
      ) : null}
      {forms.addSupporting && rooms.support.length > 0 ? (
        <CommandForm
          title={t('addSupporting')}
          testId="add-supporting"
          schema={INCIDENT_COMMAND_SCHEMAS.AddSupportingJurisdiction}
          fields={[
            { name: 'jurisdiction', label: 'supporting', kind: 'select', options: roomOptions(rooms.support) },
            { name: 'reason', label: 'reason', kind: 'text' },
          ]}
          send={send('AddSupportingJurisdiction')}
        />
      ) : null}
      {forms.removeSupporting ? (
        <CommandForm
          title={t('removeSupporting')}
          testId="remove-supporting"
          schema={INCIDENT_COMMAND_SCHEMAS.RemoveSupportingJurisdiction}
          fields={[
            { name: 'jurisdiction', label: 'room', kind: 'select', options: roomOptions(rooms.unsupport) },
            { name: 'reason', label: 'reason', kind: 'text' },
          ]}
          send={send('RemoveSupportingJurisdiction')}
          submitLabel={t('removeSupporting')}
        />
      ) : null}
    </section>
  );
}

const LINKAGE_FORMS: ReadonlySet<IncidentFormId> = new Set(['raiseLead', 'takeLeadHere', 'handBackLead', 'linkRoom', 'unlinkRoom', 'addSupporting', 'removeSupporting']);
