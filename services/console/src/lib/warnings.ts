import { COMMAND_PAYLOAD_SCHEMAS } from '@muster/contracts';
import type { z } from 'zod';
import { fromLocalInput, toLocalInput } from './time';
import type { WarningWordKey } from './warning-text';

/**
 * The warning screens' pure parts (预警, issue 21): the area picker's tree, the polygon typed as
 * text, and the content form's inputs ⇄ the payload the api's schema checks.
 */

const WARNING = COMMAND_PAYLOAD_SCHEMAS.warning;
/** What a warning says, as the api stores and answers it. */
export type WarningContent = z.output<typeof WARNING.UpdateWarning.shape.content>;
export const WARNING_LEVEL_OPTIONS = WARNING.DraftWarning.shape.level.options;
export const WARNING_CATEGORY_OPTIONS = WARNING.DraftWarning.shape.content.shape.category.options;
export const WARNING_CHANNEL_OPTIONS = WARNING.DraftWarning.shape.content.shape.channels.element.options;

/** A warning's content read from the api's loose view: null when it is not what the schema describes. */
export function contentOf(raw: unknown): WarningContent | null {
  const parsed = WARNING.UpdateWarning.shape.content.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

// ---- Area picker: county → townships ---------------------------------------------------------

interface Place {
  code: string;
  name: string;
  level?: string | undefined;
  parent?: string | null | undefined;
}

export interface AreaNode {
  code: string;
  name: string;
  townships: { code: string; name: string }[];
}

/**
 * The areas a room may warn, as the picker shows them: the room itself when it is a county (or zone),
 * else each county below it; under each, its townships (乡镇、街道: the tree's, and any more named
 * elsewhere, e.g. by the contacts registry), by code.
 */
export function areaTree(room: string, places: ReadonlyMap<string, Place>, moreTownships: readonly Place[] = []): AreaNode[] {
  const all = [...places.values()];
  const isWithin = (code: string, above: string): boolean => {
    for (let up: string | null | undefined = code; up; up = places.get(up)?.parent) if (up === above) return true;
    return false;
  };
  const own = places.get(room);
  const counties = own && (own.level === 'county' || own.level === 'zone') ? [own] : all.filter((p) => (p.level === 'county' || p.level === 'zone') && isWithin(p.code, room));
  const townships = new Map<string, Place>();
  for (const t of [...all.filter((p) => p.level === 'township'), ...moreTownships]) if (/^\d{9}$/.test(t.code) && !townships.has(t.code)) townships.set(t.code, t);
  return counties
    .map((county) => ({
      code: county.code,
      name: county.name,
      townships: [...townships.values()]
        .filter((t) => t.code.slice(0, 6) === county.code)
        .map((t) => ({ code: t.code, name: t.name }))
        .sort((a, b) => a.code.localeCompare(b.code)),
    }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

/**
 * Ticks or unticks one area: a county covers its townships, so ticking it drops them, and ticking a
 * township drops its county (the warning covers only the townships ticked).
 */
export function toggleArea(picked: readonly string[], code: string): string[] {
  if (picked.includes(code)) return picked.filter((c) => c !== code);
  if (code.length === 6) return [...picked.filter((c) => c.slice(0, 6) !== code), code];
  return [...picked.filter((c) => c !== code.slice(0, 6)), code];
}

/** 预警区域 in words: the picked areas' names, a township after its county (鼎湖区永安镇). */
export function areaDescriptionOf(picked: readonly string[], nodes: readonly AreaNode[]): string {
  const names: string[] = [];
  for (const node of nodes) {
    if (picked.includes(node.code)) names.push(node.name);
    for (const t of node.townships) if (picked.includes(t.code)) names.push(`${node.name}${t.name}`);
  }
  return names.join('、');
}

// ---- Polygon typed as text ----------------------------------------------------------------------

export type PolygonParse =
  | { ok: true; points: { lat: number; lon: number }[] | null }
  | { ok: false; word: WarningWordKey; slots?: Record<string, number> };

/** One point a line (or CAP's `lat,lon lat,lon …` on one line); empty text: no polygon. */
export function parsePolygon(text: string): PolygonParse {
  const tokens = text
    .split(/[\n;]+|\s+(?=[-\d.]+\s*,)/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (tokens.length === 0) return { ok: true, points: null };
  const points: { lat: number; lon: number }[] = [];
  for (const [i, token] of tokens.entries()) {
    const match = /^(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)$/.exec(token);
    const [lat, lon] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
    if (!match || Math.abs(lat) > 90 || Math.abs(lon) > 180) return { ok: false, word: 'polygonPoint', slots: { n: i + 1 } };
    points.push({ lat, lon });
  }
  if (points.length < 4) return { ok: false, word: 'polygonTooFew' };
  const [first, last] = [points[0], points.at(-1)];
  if (first?.lat !== last?.lat || first?.lon !== last?.lon) return { ok: false, word: 'polygonOpen' };
  return { ok: true, points };
}

/** A polygon as the form shows it: one `lat,lon` a line. */
function polygonText(points: readonly { lat: number; lon: number }[] | null): string {
  return (points ?? []).map((p) => `${p.lat},${p.lon}`).join('\n');
}

// ---- The content form ----------------------------------------------------------------------------

/** The inputs of a warning's content, as typed (times as Beijing `datetime-local` values). */
export interface ContentInputs {
  level: string;
  category: string;
  eventCode: string;
  event: string;
  headline: string;
  description: string;
  instruction: string;
  onset: string;
  expires: string;
  channels: string[];
  areas: string[];
  areaDescription: string;
  polygon: string;
}

export function emptyInputs(): ContentInputs {
  return {
    level: '',
    category: 'Met',
    eventCode: '',
    event: '',
    headline: '',
    description: '',
    instruction: '',
    onset: '',
    expires: '',
    channels: ['SMS'],
    areas: [],
    areaDescription: '',
    polygon: '',
  };
}

/** The inputs of a warning as it stands (to revise a draft, or to update an issued one). */
export function inputsOf(level: string, content: WarningContent): ContentInputs {
  return {
    level,
    category: content.category,
    eventCode: content.eventCode ?? '',
    event: content.zh.event,
    headline: content.zh.headline,
    description: content.zh.description,
    instruction: content.zh.instruction,
    onset: content.onset ? toLocalInput(content.onset) : '',
    expires: toLocalInput(content.expires),
    channels: [...content.channels],
    areas: [...content.area.jurisdictions],
    areaDescription: content.area.description,
    polygon: polygonText(content.area.polygon),
  };
}

/**
 * The `{ level, content }` the api's schemas check, from the inputs: an empty optional input is
 * null, a time the picker cannot read is sent as typed (so the schema names the field), the area's
 * description defaults to the names picked, the polygon must already have parsed. `keep` carries
 * what the form does not show (the English texts, circles) over from the warning as it stands.
 */
export function contentPayload(
  inputs: ContentInputs,
  polygon: { lat: number; lon: number }[] | null,
  defaultDescription: string,
  keep?: WarningContent | null,
): { level: string | undefined; content: Record<string, unknown> } {
  const time = (raw: string) => (raw.trim() === '' ? null : (fromLocalInput(raw) ?? raw));
  return {
    level: inputs.level === '' ? undefined : inputs.level,
    content: {
      category: inputs.category,
      eventCode: inputs.eventCode.trim() === '' ? null : inputs.eventCode.trim(),
      zh: { event: inputs.event, headline: inputs.headline, description: inputs.description, instruction: inputs.instruction },
      en: keep?.en ?? null,
      onset: time(inputs.onset),
      expires: time(inputs.expires) ?? '',
      channels: inputs.channels,
      area: {
        description: inputs.areaDescription.trim() === '' ? defaultDescription : inputs.areaDescription.trim(),
        jurisdictions: inputs.areas,
        polygon,
        circles: keep?.area.circles ?? [],
      },
    },
  };
}

/** Warnings a list shows first: in force, then awaiting release, then over; newest first within each. */
export function warningRank(state: string): number {
  return state === 'issued' || state === 'updated' ? 0 : state === 'draft' || state === 'approved' ? 1 : 2;
}
