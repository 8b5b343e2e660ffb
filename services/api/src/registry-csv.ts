import { REGISTRATION_SCHEMAS, StockLineSchema, IdSchema } from '@muster/contracts';
import type { EntryOf, Registration, Registry, RegistryEntry, StockLine } from '@muster/domain';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';

/**
 * The CSV files of the registries (issue 23): one line per entry (per depot and kind for `stock`),
 * a header line of the column names below, UTF-8 (a byte-order mark is written and accepted). Lists
 * are `;`-separated; an equipment line is `item:quantity`, a certification `name:YYYY-MM-DD`; yes/no
 * columns take yes/no, true/false or 是/否; an empty cell is "none" where a column may be empty.
 * Export writes exactly what import reads.
 */
const CSV_COLUMNS = {
  team: ['id', 'name', 'jurisdiction', 'kind', 'headcount', 'equipment', 'certifications', 'lat', 'lon'],
  expert: ['id', 'name', 'jurisdiction', 'fields', 'phone', 'organisation', 'available'],
  shelter: ['id', 'name', 'jurisdiction', 'address', 'lat', 'lon', 'capacity', 'facilities', 'manager', 'managerPhone'],
  depot: ['id', 'name', 'jurisdiction', 'ownerType', 'ownerName', 'location', 'lat', 'lon'],
  stock: ['depotId', 'kind', 'quantity', 'unit', 'returnable', 'expiresOn'],
} as const;
export type CsvFile = keyof typeof CSV_COLUMNS;

/** One bad cell of an import: the file's line (the header is line 1) and the column. */
export interface RowError {
  line: number;
  field: string;
  message: string;
}

export type StockRow = { depotId: string; item: StockLine };
type Parsed<F extends CsvFile> = F extends Registry ? Registration[F] : StockRow;

// ---- cells ----------------------------------------------------------------------------------------

const list = (cell: string): string[] =>
  cell
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
/** A number where the cell is one; the text itself otherwise, so that the schema names the field. */
const num = (cell: string): number | string => (cell.trim() !== '' && Number.isFinite(Number(cell)) ? Number(cell) : cell);
const yesNo = (cell: string): boolean | string => {
  const v = cell.trim().toLowerCase();
  if (['yes', 'true', '是', 'y', '1'].includes(v)) return true;
  if (['no', 'false', '否', 'n', '0'].includes(v)) return false;
  return cell;
};
const pairs = (cell: string, key: string, value: string, asNumber: boolean) =>
  list(cell).map((part) => {
    const at = part.lastIndexOf(':');
    const left = at < 0 ? part : part.slice(0, at);
    const right = at < 0 ? '' : part.slice(at + 1);
    return { [key]: left.trim(), [value]: asNumber ? num(right) : right.trim() };
  });
const position = (r: Record<string, string>) => ((r['lat'] ?? '') === '' && (r['lon'] ?? '') === '' ? null : { lat: num(r['lat'] ?? ''), lon: num(r['lon'] ?? '') });
const orNull = (cell: string | undefined) => (cell === undefined || cell.trim() === '' ? null : cell.trim());

/** A record of cells as the registration (or stock line) it stands for, before validation. */
function fromCells(file: CsvFile, r: Record<string, string>): unknown {
  const cell = (name: string) => r[name] ?? '';
  switch (file) {
    case 'team':
      return {
        id: cell('id'),
        name: cell('name'),
        jurisdiction: cell('jurisdiction'),
        kind: cell('kind'),
        headcount: num(cell('headcount')),
        equipment: pairs(cell('equipment'), 'item', 'quantity', true),
        certifications: pairs(cell('certifications'), 'name', 'expiresOn', false),
        position: position(r),
      };
    case 'expert': {
      const available = cell('available').trim() === '' ? undefined : yesNo(cell('available'));
      return { id: cell('id'), name: cell('name'), jurisdiction: cell('jurisdiction'), fields: list(cell('fields')), phone: cell('phone'), organisation: cell('organisation'), ...(available === undefined ? {} : { available }) };
    }
    case 'shelter':
      return {
        id: cell('id'),
        name: cell('name'),
        jurisdiction: cell('jurisdiction'),
        address: cell('address'),
        position: position(r),
        capacity: num(cell('capacity')),
        facilities: list(cell('facilities')),
        manager: cell('manager'),
        managerPhone: cell('managerPhone'),
      };
    case 'depot':
      return { id: cell('id'), name: cell('name'), jurisdiction: cell('jurisdiction'), ownerType: cell('ownerType'), ownerName: cell('ownerName'), location: orNull(cell('location')), position: position(r) };
    case 'stock':
      return {
        depotId: cell('depotId'),
        item: { kind: cell('kind'), quantity: num(cell('quantity')), unit: cell('unit'), returnable: yesNo(cell('returnable')), expiresOn: orNull(cell('expiresOn')) },
      };
    default: {
      const unknown: never = file;
      throw new Error(`no CSV file ${String(unknown)}`);
    }
  }
}

/** The column a schema issue is about: `position.lat` is the lat column, `equipment.2.quantity` the equipment column. */
function columnOf(file: CsvFile, path: readonly PropertyKey[]): string {
  const [first, second] = path.map(String);
  if (first === 'position') return second === 'lon' ? 'lon' : 'lat';
  if (file === 'stock') return first === 'item' ? (second ?? 'kind') : 'depotId';
  return first ?? 'id';
}

/** A stock line names its depot by id (checked like any id) and is a stock line of it. */
const StockRowSchema = z.strictObject({ id: IdSchema, item: StockLineSchema });

/**
 * Reads an import: every row checked against its schema, every bad cell reported with its line and
 * column (not only the first), ids given twice reported on the later line.
 */
export function readCsv<F extends CsvFile>(file: F, text: string): { rows: { line: number; value: Parsed<F> }[]; errors: RowError[] } {
  const errors: RowError[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, columns: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false });
  } catch (error) {
    const line = typeof error === 'object' && error !== null && 'lines' in error && typeof error.lines === 'number' ? error.lines : 1;
    return { rows: [], errors: [{ line, field: '(file)', message: error instanceof Error ? error.message : String(error) }] };
  }
  const header = Object.keys(records[0]?.record ?? {});
  const missing = CSV_COLUMNS[file].filter((c) => records.length > 0 && !header.includes(c));
  for (const column of missing) errors.push({ line: 1, field: column, message: `the header has no column ${column}` });
  for (const column of header.filter((h) => !(CSV_COLUMNS[file] as readonly string[]).includes(h))) errors.push({ line: 1, field: column, message: `${column} is not a column of the ${file} file` });
  if (errors.length > 0) return { rows: [], errors };

  const rows: { line: number; value: Parsed<F> }[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    const cells = fromCells(file, record);
    const parsed =
      file === 'stock'
        ? StockRowSchema.transform(({ id, item }): StockRow => ({ depotId: id, item })).safeParse({ id: (cells as { depotId: unknown }).depotId, item: (cells as { item: unknown }).item })
        : REGISTRATION_SCHEMAS[file as Registry].safeParse(cells);
    if (!parsed.success) {
      const fields = new Map<string, string>();
      for (const issue of parsed.error.issues) {
        const field = columnOf(file, file === 'stock' && issue.path[0] === 'id' ? ['depotId'] : issue.path);
        if (!fields.has(field)) fields.set(field, issue.message);
      }
      for (const [field, message] of fields) errors.push({ line, field, message });
      continue;
    }
    const value = parsed.data as Parsed<F>;
    const key = file === 'stock' ? `${(value as StockRow).depotId}/${(value as StockRow).item.kind}` : (value as Registration[Registry]).id;
    const before = seen.get(key);
    if (before !== undefined) {
      errors.push({ line, field: file === 'stock' ? 'kind' : 'id', message: `${key} is already on line ${before}` });
      continue;
    }
    seen.set(key, line);
    rows.push({ line, value });
  }
  return { rows, errors };
}

// ---- export ---------------------------------------------------------------------------------------

const joinPairs = <T>(items: readonly T[], show: (t: T) => string) => items.map(show).join(';');

function toCells(entry: RegistryEntry): Record<string, string | number> {
  const base = { id: entry.id, name: entry.name, jurisdiction: entry.jurisdiction };
  const lat = 'position' in entry && entry.position ? entry.position.lat : '';
  const lon = 'position' in entry && entry.position ? entry.position.lon : '';
  switch (entry.registry) {
    case 'team':
      return {
        ...base,
        kind: entry.kind,
        headcount: entry.headcount,
        equipment: joinPairs(entry.equipment, (e) => `${e.item}:${e.quantity}`),
        certifications: joinPairs(entry.certifications, (c) => `${c.name}:${c.expiresOn}`),
        lat,
        lon,
      };
    case 'expert':
      return { ...base, fields: entry.fields.join(';'), phone: entry.phone, organisation: entry.organisation, available: entry.available ? 'yes' : 'no' };
    case 'shelter':
      return { ...base, address: entry.address, lat, lon, capacity: entry.capacity, facilities: entry.facilities.join(';'), manager: entry.manager, managerPhone: entry.managerPhone };
    case 'depot':
      return { ...base, ownerType: entry.ownerType, ownerName: entry.ownerName, location: entry.location ?? '', lat, lon };
    default: {
      const unknown: never = entry;
      throw new Error(`no CSV of ${JSON.stringify(unknown)}`);
    }
  }
}

/** The CSV of a registry's entries (or of the depots' stock), in the format readCsv reads. */
export function writeCsv(file: CsvFile, entries: readonly RegistryEntry[]): string {
  const records =
    file === 'stock'
      ? (entries as EntryOf<'depot'>[]).flatMap((d) =>
          d.stock.map((s) => ({ depotId: d.id, kind: s.kind, quantity: s.quantity, unit: s.unit, returnable: s.returnable ? 'yes' : 'no', expiresOn: s.expiresOn ?? '' })),
        )
      : entries.map(toCells);
  return stringify(records, { bom: true, header: true, columns: [...CSV_COLUMNS[file]] });
}
