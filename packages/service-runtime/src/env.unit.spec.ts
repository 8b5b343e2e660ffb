import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@muster/contracts';
import { DEFAULT_PLAN_RULES, DEFAULT_RULE_BOOK, JurisdictionTree, ZHAOQING_JURISDICTIONS, rulesFor, sectionSource, type JurisdictionRecord } from '@muster/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineSettingsFromEnv, jurisdictionsFromEnv, loadJurisdictions, loadRuleBook } from './env';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-env-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

let files = 0;
async function file(content: unknown): Promise<string> {
  const path = join(dir, `file-${++files}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The issues a refused load throws, as `path: message` lines. */
async function refusal(load: Promise<unknown>): Promise<string[]> {
  const error = await load.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
}

const zhaoqing = new JurisdictionTree(ZHAOQING_JURISDICTIONS);
/** Zhaoqing's tree with Yunfu (云浮市) beside it under Guangdong, one of its counties and a township of Dinghu. */
const WITH_YUNFU: JurisdictionRecord[] = [
  ...ZHAOQING_JURISDICTIONS,
  { code: '445300', name: '云浮市', nameEn: 'Yunfu', parent: '440000', level: 'city' },
  { code: '445302', name: '云城区', nameEn: 'Yuncheng District', parent: '445300', level: 'county' },
  { code: '441203100', name: '永安镇', parent: '441203', level: 'township' },
];

describe('jurisdictions from a file (MUSTER_JURISDICTIONS_FILE)', () => {
  it('unset: Zhaoqing and its county-level units under Guangdong', async () => {
    const tree = await jurisdictionsFromEnv({});
    expect(tree.all()).toStrictEqual([...ZHAOQING_JURISDICTIONS]);
    expect(tree.ancestorsOf('441203')).toStrictEqual(['441200', '440000']);
  });

  it('a file adds a neighbouring city and a township without code', async () => {
    const tree = await jurisdictionsFromEnv({ MUSTER_JURISDICTIONS_FILE: await file(WITH_YUNFU) });
    expect(tree.get('445302')).toMatchObject({ name: '云城区', level: 'county' });
    expect(tree.ancestorsOf('445302')).toStrictEqual(['445300', '440000']);
    expect(tree.ancestorsOf('441203100')).toStrictEqual(['441203', '441200', '440000']);
    expect(tree.isWithin('445302', '441200')).toBe(false);
    expect(tree.isWithin('441203', '445300')).toBe(false);
  });

  it('a bad record is refused naming the file, the entry (index and code) and the field', async () => {
    const path = await file([
      { code: '440000', name: '广东省', parent: null, level: 'province' },
      { code: '445300', name: '云浮市', parent: '440000', level: 'prefecture' },
      { code: '44530', name: '云城区', parent: '445300', level: 'county' },
      { code: '445302001', name: '', parent: '445302', level: 'township' },
      { code: '445381', name: '罗定市', parent: '445300', level: 'county', mayor: 'x' },
      { name: '郁南县', parent: '445300', level: 'county' },
    ]);
    const issues = await refusal(loadJurisdictions(path));
    const at = `env.MUSTER_JURISDICTIONS_FILE(${path})`;
    expect(issues).toStrictEqual([
      `${at} [1] "445300": level: unknown level "prefecture"; one of province, city, county, zone, township`,
      `${at} [2] "44530": code: must be a 6-digit (GB/T 2260) or 9-digit (GB/T 10114) administrative code`,
      `${at} [3] "445302001": name: must not be empty`,
      `${at} [4] "445381": Unrecognized key: "mayor"`,
      `${at} [5]: code: Invalid input: expected string, received undefined`,
    ]);
  });

  it('a township has nine digits and nothing else does; a unit sits below a higher level', async () => {
    const path = await file([
      { code: '440000', name: '广东省', parent: null, level: 'province' },
      { code: '445300', name: '云浮市', parent: '440000', level: 'city' },
      { code: '445302', name: '云城区', parent: '445300', level: 'township' },
      { code: '445302001', name: '河口街道', parent: '445300', level: 'county' },
      { code: '445303', name: '云安区', parent: '445381', level: 'county' },
      { code: '445381', name: '罗定市', parent: '445300', level: 'county' },
      { code: '440100', name: '广州市', parent: '445300', level: 'city' },
    ]);
    const at = `env.MUSTER_JURISDICTIONS_FILE(${path})`;
    expect(await refusal(loadJurisdictions(path))).toStrictEqual([
      `${at} [2] "445302": code: a township has a 9-digit code (GB/T 10114)`,
      `${at} [3] "445302001": code: a county has a 6-digit code (GB/T 2260); 9 digits are for townships`,
      `${at} [4] "445303": parent: a county cannot sit below 445381 (a county)`,
      `${at} [6] "440100": parent: a city cannot sit below 445300 (a city)`,
    ]);
  });

  it.each([
    [
      'a code listed twice (the second listing is named)',
      [
        { code: '445300', name: '云浮市', parent: null, level: 'city' },
        { code: '445302', name: '云城区', parent: '445300', level: 'county' },
        { code: '445302', name: '云城区', parent: '445300', level: 'county' },
      ],
      '[2] "445302": code: jurisdiction 445302 is listed twice',
    ],
    [
      'an unknown parent',
      [
        { code: '445300', name: '云浮市', parent: null, level: 'city' },
        { code: '445302', name: '云城区', parent: '445399', level: 'county' },
      ],
      '[1] "445302": parent: jurisdiction 445302 names an unknown parent 445399',
    ],
    [
      // Levels fall strictly down the tree, so a cycle always has a unit below one of its level or lower.
      'a cycle',
      [
        { code: '440000', name: '广东省', parent: '445300', level: 'province' },
        { code: '445300', name: '云浮市', parent: '440000', level: 'city' },
      ],
      '[0] "440000": parent: a province cannot sit below 445300 (a city)',
    ],
    [
      'a unit that is its own parent',
      [{ code: '445300', name: '云浮市', parent: '445300', level: 'city' }],
      '[0] "445300": parent: a city cannot sit below 445300 (a city)',
    ],
  ])('duplicates, unknown parents and cycles are refused the same way, naming the entry: %s', async (_case, records, issue) => {
    const path = await file(records);
    expect(await refusal(loadJurisdictions(path))).toStrictEqual([`env.MUSTER_JURISDICTIONS_FILE(${path}) ${issue}`]);
  });

  it('a file that is not JSON, not there, not an array or empty is refused naming it', async () => {
    const broken = await file('[{ "code": ');
    expect((await refusal(loadJurisdictions(broken)))[0]).toMatch(new RegExp(`^env\\.MUSTER_JURISDICTIONS_FILE\\(${broken}\\): cannot read it as JSON`));
    const missing = join(dir, 'missing.json');
    expect((await refusal(loadJurisdictions(missing)))[0]).toContain(`env.MUSTER_JURISDICTIONS_FILE(${missing}): cannot read it as JSON: ENOENT`);
    const object = await file({ jurisdictions: [] });
    expect(await refusal(loadJurisdictions(object))).toStrictEqual([`env.MUSTER_JURISDICTIONS_FILE(${object}): Invalid input: expected array, received object`]);
    const empty = await file([]);
    expect(await refusal(loadJurisdictions(empty))).toStrictEqual([`env.MUSTER_JURISDICTIONS_FILE(${empty}): must list at least one jurisdiction`]);
  });
});

/** One jurisdiction's rules file with a reporting section of `entries`. */
const rulesFile = (jurisdiction: string, entries: unknown[], extra: Record<string, unknown> = {}) => ({ jurisdiction, version: '2026-12-01', reporting: entries, ...extra });
const reportingEntry = (over: Record<string, unknown> = {}) => ({ ...DEFAULT_PLAN_RULES.reporting[0], ...over });

describe('plan rules files (MUSTER_RULES_FILES): refused at start, naming the entry', () => {
  it('without files, the built-in rule book', async () => {
    expect(await loadRuleBook([], zhaoqing)).toBe(DEFAULT_RULE_BOOK);
    const settings = await engineSettingsFromEnv({}, zhaoqing);
    expect(settings).toStrictEqual({ jurisdictions: zhaoqing, rules: DEFAULT_RULE_BOOK, sha256Hex: settings.sha256Hex });
    // Node's SHA-256 for the fingerprints (known answer of "abc").
    expect(settings.sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('an unknown severity ("V") names the file, the entry and the field', async () => {
    const path = await file(rulesFile('441203', [reportingEntry({ id: 'dinghu-grave', severities: ['I', 'V'] })]));
    expect(await refusal(loadRuleBook([path], zhaoqing))).toStrictEqual([
      `env.MUSTER_RULES_FILES(${path}) reporting[0] "dinghu-grave": severities.1: unknown severity "V"; one of I, II, III, IV`,
    ]);
  });

  it('a negative deadline (phoneMinutes -5) names the file, the entry and the field', async () => {
    const path = await file(rulesFile('441203', [reportingEntry({ id: 'dinghu-grave' }), reportingEntry({ id: 'dinghu-larger', phoneMinutes: -5 })]));
    expect(await refusal(loadRuleBook([path], zhaoqing))).toStrictEqual([
      `env.MUSTER_RULES_FILES(${path}) reporting[1] "dinghu-larger": phoneMinutes: must be at least 1 minute`,
    ]);
  });

  it('an entry without a source is refused naming the entry: every entry names its clause or says "unsourced"', async () => {
    const { source: _source, ...withoutSource } = reportingEntry({ id: 'no-source' });
    const path = await file(rulesFile('441203', [withoutSource], { linkage: [{ id: 'blank', severities: ['III'], link: ['city'], promptLead: null, source: '   ' }] }));
    expect(await refusal(loadRuleBook([path], zhaoqing))).toStrictEqual([
      `env.MUSTER_RULES_FILES(${path}) reporting[0] "no-source": source: Invalid input: expected string, received undefined`,
      `env.MUSTER_RULES_FILES(${path}) linkage[0] "blank": source: must name its source clause, or say "unsourced"`,
    ]);
    const unsourced = await file(rulesFile('441203', [reportingEntry({ id: 'local', source: 'unsourced: the county’s own practice' })]));
    expect(rulesFor(await loadRuleBook([unsourced], zhaoqing), zhaoqing, '441203').reporting[0]?.source).toBe('unsourced: the county’s own practice');
  });

  it('a jurisdiction outside the tree, a second file for one jurisdiction, and an incomplete `*` are refused', async () => {
    const yunfu = await file(rulesFile('445300', [reportingEntry()]));
    expect(await refusal(loadRuleBook([yunfu], zhaoqing))).toStrictEqual([`env.MUSTER_RULES_FILES(${yunfu}) jurisdiction: unknown jurisdiction 445300`]);
    const first = await file(rulesFile('441203', [reportingEntry()]));
    const second = await file(rulesFile('441203', [reportingEntry()]));
    expect(await refusal(loadRuleBook([first, second], zhaoqing))).toStrictEqual([`env.MUSTER_RULES_FILES(${second}) jurisdiction: a second rules file for 441203`]);
    const star = await file(rulesFile('*', [reportingEntry()]));
    expect((await refusal(loadRuleBook([star], zhaoqing)))[0]).toContain('must hold every section; missing supplementary, responseAuthority, linkage, grading, upperRoomRights');
  });

  it('rules files are checked against the tree the process loaded: a township of the file tree may have its own', async () => {
    const tree = await loadJurisdictions(await file(WITH_YUNFU));
    const township = await file(rulesFile('441203100', [reportingEntry({ id: 'yongan', phoneMinutes: 10 })]));
    const yunfu = await file({ jurisdiction: '445300', version: 'yf-1', linkage: DEFAULT_PLAN_RULES.linkage });
    const settings = await engineSettingsFromEnv({ MUSTER_RULES_FILES: ` ${township} , ${yunfu} ,` }, tree);
    expect(settings.jurisdictions).toBe(tree);
    expect(rulesFor(settings.rules, tree, '441203100').reporting[0]).toMatchObject({ id: 'yongan', phoneMinutes: 10 });
    expect(sectionSource(settings.rules, tree, '445302', 'linkage')).toStrictEqual({ jurisdiction: '445300', version: 'yf-1' });
    expect(sectionSource(settings.rules, tree, '445302', 'reporting')).toStrictEqual({ jurisdiction: '*', version: DEFAULT_PLAN_RULES.version });
    await expect(engineSettingsFromEnv({ MUSTER_RULES_FILES: township }, zhaoqing)).rejects.toThrow(ValidationError);
  });
});
