import { Field, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { zoneLabel } from '../lib/time';
import { useWarningWords } from '../lib/use-warning-words';
import { areaDescriptionOf, parsePolygon, toggleArea, WARNING_CATEGORY_OPTIONS, WARNING_CHANNEL_OPTIONS, WARNING_LEVEL_OPTIONS, type AreaNode, type ContentInputs } from '../lib/warnings';

/** The error of a field or of a part of it (`content.area.jurisdictions.0` belongs to the area picker). */
export function errorAt(errors: FieldErrors, name: string): string | undefined {
  return errors[name] ?? Object.entries(errors).find(([path]) => path.startsWith(`${name}.`))?.[1];
}

/**
 * The polygon's own check, in the console's words, before the schema's: which line is not a point,
 * too few points, a ring left open. `ok` false puts the message beside the polygon field.
 */
export function checkPolygon(text: string, w: ReturnType<typeof useWarningWords>['w']): { ok: true; points: { lat: number; lon: number }[] | null } | { ok: false; error: string } {
  const parsed = parsePolygon(text);
  return parsed.ok ? parsed : { ok: false, error: w(parsed.word, parsed.slots) };
}

/**
 * What a warning says, as a form: level (colour), category, texts in Chinese, times in Beijing time,
 * channels, and the area picked from the jurisdiction tree (county → townships, no map) with an
 * optional polygon typed as `纬度,经度` lines. Errors show beside their fields (paths as the api's
 * schema names them: `level`, `content.zh.headline`, `content.area.jurisdictions` …).
 */
export function WarningContentForm({
  inputs,
  onChange,
  errors,
  nodes,
  prefix,
}: {
  inputs: ContentInputs;
  onChange(inputs: ContentInputs): void;
  errors: FieldErrors;
  nodes: readonly AreaNode[];
  /** Keeps the inputs' names apart when two forms are on one page. */
  prefix: string;
}) {
  const { lang } = useI18n();
  const { w, wr } = useWarningWords();
  const set = <K extends keyof ContentInputs>(key: K, value: ContentInputs[K]) => onChange({ ...inputs, [key]: value });
  const text = (key: 'event' | 'headline' | 'eventCode', path: string) => (
    <Field name={path} label={w(key)} error={errorAt(errors, path)}>
      <input name={`${prefix}-${key}`} value={inputs[key]} onChange={(e) => set(key, e.target.value)} />
    </Field>
  );
  const area = (
    <Field name="content.area.jurisdictions" label={w('area')} error={errorAt(errors, 'content.area.jurisdictions')}>
      <span className="hint">{w('areaHint')}</span>
      <ul className="area-tree" data-testid={`${prefix}-area`}>
        {nodes.map((node) => (
          <li key={node.code}>
            <label className="check">
              <input type="checkbox" checked={inputs.areas.includes(node.code)} onChange={() => set('areas', toggleArea(inputs.areas, node.code))} data-area={node.name} />
              {node.name}
            </label>
            {node.townships.length > 0 ? (
              <ul>
                {node.townships.map((t) => (
                  <li key={t.code}>
                    <label className="check">
                      <input type="checkbox" checked={inputs.areas.includes(t.code)} onChange={() => set('areas', toggleArea(inputs.areas, t.code))} data-area={t.name} />
                      {t.name}
                    </label>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </Field>
  );
  return (
    <>
      <Field name="level" label={w('level')} error={errorAt(errors, 'level')}>
        <select name={`${prefix}-level`} value={inputs.level} onChange={(e) => set('level', e.target.value)}>
          <option value="">—</option>
          {WARNING_LEVEL_OPTIONS.map((l) => (
            <option key={l} value={l}>
              {wr('level', l)}
            </option>
          ))}
        </select>
      </Field>
      <Field name="content.category" label={w('category')} error={errorAt(errors, 'content.category')}>
        <select name={`${prefix}-category`} value={inputs.category} onChange={(e) => set('category', e.target.value)}>
          {WARNING_CATEGORY_OPTIONS.map((c) => (
            <option key={c} value={c}>
              {wr('wcat', c)}
            </option>
          ))}
        </select>
      </Field>
      {text('event', 'content.zh.event')}
      {text('eventCode', 'content.eventCode')}
      {text('headline', 'content.zh.headline')}
      <Field name="content.zh.description" label={w('description')} error={errorAt(errors, 'content.zh.description')}>
        <textarea name={`${prefix}-description`} value={inputs.description} onChange={(e) => set('description', e.target.value)} />
      </Field>
      <Field name="content.zh.instruction" label={w('instruction')} error={errorAt(errors, 'content.zh.instruction')}>
        <textarea name={`${prefix}-instruction`} value={inputs.instruction} onChange={(e) => set('instruction', e.target.value)} />
      </Field>
      <Field name="content.onset" label={`${w('onset')} ${zoneLabel(lang)}`} error={errorAt(errors, 'content.onset')}>
        <input name={`${prefix}-onset`} type="datetime-local" step={1} value={inputs.onset} onChange={(e) => set('onset', e.target.value)} />
      </Field>
      <Field name="content.expires" label={`${w('expires')} ${zoneLabel(lang)}`} error={errorAt(errors, 'content.expires')}>
        <input name={`${prefix}-expires`} type="datetime-local" step={1} value={inputs.expires} onChange={(e) => set('expires', e.target.value)} />
      </Field>
      <Field name="content.channels" label={w('channels')} error={errorAt(errors, 'content.channels')}>
        <span className="checks">
          {WARNING_CHANNEL_OPTIONS.map((c) => (
            <label key={c} className="check">
              <input
                type="checkbox"
                checked={inputs.channels.includes(c)}
                onChange={() => set('channels', inputs.channels.includes(c) ? inputs.channels.filter((x) => x !== c) : [...inputs.channels, c])}
              />
              {wr('wchannel', c)}
            </label>
          ))}
        </span>
      </Field>
      {area}
      <Field name="content.area.description" label={w('areaDescription')} error={errorAt(errors, 'content.area.description')}>
        <input
          name={`${prefix}-areaDescription`}
          value={inputs.areaDescription}
          placeholder={areaDescriptionOf(inputs.areas, nodes)}
          onChange={(e) => set('areaDescription', e.target.value)}
        />
      </Field>
      <Field name="content.area.polygon" label={w('polygon')} error={errorAt(errors, 'content.area.polygon')}>
        <textarea name={`${prefix}-polygon`} value={inputs.polygon} placeholder={'23.15,112.55\n23.20,112.55\n23.20,112.62\n23.15,112.55'} onChange={(e) => set('polygon', e.target.value)} />
      </Field>
    </>
  );
}
