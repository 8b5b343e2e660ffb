import { useI18n } from './i18n';
import { zoneLabel } from './time';

/**
 * The moment to replay and its time basis (recorded or occurred), with the button that asks for the
 * state then: the incident review's and the drill review's alike.
 */
export function StateAtPicker(props: {
  at: string;
  setAt(value: string): void;
  basis: 'recorded' | 'occurred';
  setBasis(value: 'recorded' | 'occurred'): void;
  onShow(): void;
  error: string | null;
  /** Prefix of the test ids: `<testId>-input`, `<testId>-show`. */
  testId: string;
}) {
  const { t, lang } = useI18n();
  return (
    <>
      <label className="field">
        <span className="label">
          {t('at')} {zoneLabel(lang)}
        </span>
        <input type="datetime-local" step={1} value={props.at} onChange={(e) => props.setAt(e.target.value)} data-testid={`${props.testId}-input`} />
      </label>
      <label className="field">
        <span className="label">{t('basis')}</span>
        <select value={props.basis} onChange={(e) => props.setBasis(e.target.value === 'occurred' ? 'occurred' : 'recorded')}>
          <option value="recorded">{t('basis.recorded')}</option>
          <option value="occurred">{t('basis.occurred')}</option>
        </select>
      </label>
      <button type="button" onClick={props.onShow} data-testid={`${props.testId}-show`}>
        {t('show')}
      </button>
      {props.error ? <p className="form-error">{props.error}</p> : null}
    </>
  );
}
