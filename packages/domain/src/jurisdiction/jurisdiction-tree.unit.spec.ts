import { describe, expect, it } from 'vitest';
import { decide, initialState, type PersistedState } from '../aggregate';
import { incidentAggregate } from '../incident/incident.machine';
import type { IncidentCommand, IncidentContext } from '../incident/incident.types';
import { linkageAbove } from '../incident/linkage';
import { DEFAULT_PLAN_RULES } from '../rules/plan-rules';
import { InvalidJurisdictionTree, JURISDICTION_LEVELS, JurisdictionTree, type JurisdictionRecord } from './jurisdiction-tree';
import { canSee, roomsOf } from './visibility';
import { ZHAOQING_JURISDICTIONS } from './zhaoqing';

const PROVINCE = '440000';
const CITY = '441200';
const DUANZHOU = '441202';
const DINGHU = '441203';
const GAOYAO = '441204';
const FENGKAI = '441225';
const HIGH_TECH_ZONE = '441291';
/** The eight county-level units of Zhaoqing with a GB/T 2260 code (the High-tech Zone has none). */
const ZHAOQING_COUNTIES = ['441202', '441203', '441204', '441223', '441224', '441225', '441226', '441284'];

const zhaoqing = new JurisdictionTree(ZHAOQING_JURISDICTIONS);

const record = (code: string, parent: string | null, level: JurisdictionRecord['level'] = 'county'): JurisdictionRecord => ({
  code,
  name: `unit ${code}`,
  parent,
  level,
});

describe('jurisdiction tree: Zhaoqing', () => {
  it('has the province, the city and nine county-level units under the city, and nothing else', () => {
    expect(zhaoqing.all().map((r) => r.code)).toStrictEqual([PROVINCE, CITY, ...ZHAOQING_COUNTIES, HIGH_TECH_ZONE]);
    expect(zhaoqing.get(PROVINCE)).toMatchObject({ parent: null, level: 'province' });
    expect(zhaoqing.get(CITY)).toMatchObject({ name: '肇庆市', parent: PROVINCE, level: 'city' });
    const underCity = zhaoqing.all().filter((r) => r.parent === CITY);
    expect(underCity).toHaveLength(9);
    expect(underCity.filter((r) => r.level === 'county').map((r) => r.code)).toStrictEqual(ZHAOQING_COUNTIES);
  });

  it('names the counties as the plan does', () => {
    const names = Object.fromEntries(zhaoqing.all().map((r) => [r.code, r.name]));
    expect(names).toMatchObject({
      '441202': '端州区',
      '441203': '鼎湖区',
      '441204': '高要区',
      '441223': '广宁县',
      '441224': '怀集县',
      '441225': '封开县',
      '441226': '德庆县',
      '441284': '四会市',
    });
  });

  it('has the High-tech Zone under the city as a zone', () => {
    const zones = zhaoqing.all().filter((r) => r.level === 'zone');
    expect(zones).toStrictEqual([{ code: HIGH_TECH_ZONE, name: '肇庆高新区', nameEn: 'Zhaoqing High-tech Zone', parent: CITY, level: 'zone' }]);
  });

  it('every level is one of JURISDICTION_LEVELS and every code is six digits', () => {
    for (const r of ZHAOQING_JURISDICTIONS) {
      expect(JURISDICTION_LEVELS, r.code).toContain(r.level);
      expect(r.code).toMatch(/^\d{6}$/);
    }
  });

  it('has and get know the loaded codes only', () => {
    expect(zhaoqing.has(DINGHU)).toBe(true);
    expect(zhaoqing.get(DINGHU)).toMatchObject({ code: DINGHU, nameEn: 'Dinghu District' });
    expect(zhaoqing.has('441300')).toBe(false);
    expect(zhaoqing.get('441300')).toBeUndefined();
  });

  it('all() returns a copy: changing it does not change the tree', () => {
    const all = zhaoqing.all();
    all.pop();
    expect(zhaoqing.all()).toHaveLength(ZHAOQING_JURISDICTIONS.length);
  });
});

describe('jurisdiction tree: parentOf, ancestorsOf, isWithin', () => {
  it.each([
    [DINGHU, CITY],
    [HIGH_TECH_ZONE, CITY],
    [CITY, PROVINCE],
    [PROVINCE, null],
    ['441300', null],
  ])('parentOf(%s) is %s', (code, parent) => {
    expect(zhaoqing.parentOf(code)).toBe(parent);
  });

  it.each([
    [DINGHU, [CITY, PROVINCE]],
    [HIGH_TECH_ZONE, [CITY, PROVINCE]],
    [CITY, [PROVINCE]],
    [PROVINCE, []],
    ['441300', []],
  ])('ancestorsOf(%s) is %j, nearest first', (code, ancestors) => {
    expect(zhaoqing.ancestorsOf(code)).toStrictEqual(ancestors);
  });

  it.each([
    [DINGHU, DINGHU, true],
    [DINGHU, CITY, true],
    [DINGHU, PROVINCE, true],
    [HIGH_TECH_ZONE, CITY, true],
    [CITY, PROVINCE, true],
    [CITY, DINGHU, false],
    [PROVINCE, CITY, false],
    [DINGHU, DUANZHOU, false],
    [HIGH_TECH_ZONE, DINGHU, false],
    [DINGHU, '441300', false],
  ])('isWithin(%s, %s) is %s', (code, ancestor, within) => {
    expect(zhaoqing.isWithin(code, ancestor)).toBe(within);
  });
});

describe('jurisdiction tree: invalid trees', () => {
  it('a code listed twice throws InvalidJurisdictionTree', () => {
    const build = () => new JurisdictionTree([record(CITY, null, 'city'), record(DINGHU, CITY), record(DINGHU, CITY)]);
    expect(build).toThrow(InvalidJurisdictionTree);
    expect(build).toThrow(`jurisdiction ${DINGHU} is listed twice`);
  });

  it('an unknown parent throws InvalidJurisdictionTree', () => {
    const build = () => new JurisdictionTree([record(CITY, PROVINCE, 'city'), record(DINGHU, CITY)]);
    expect(build).toThrow(InvalidJurisdictionTree);
    expect(build).toThrow(`jurisdiction ${CITY} names an unknown parent ${PROVINCE}`);
  });

  it.each([
    ['a unit that is its own parent', [record(CITY, CITY, 'city')]],
    ['two units that are each other’s parent', [record(CITY, DINGHU, 'city'), record(DINGHU, CITY)]],
    ['a longer cycle below a sound root', [record(PROVINCE, null, 'province'), record(CITY, GAOYAO, 'city'), record(DINGHU, CITY), record(GAOYAO, DINGHU)]],
  ] as const)('a cycle throws InvalidJurisdictionTree: %s', (_name, records) => {
    const build = () => new JurisdictionTree(records);
    expect(build).toThrow(InvalidJurisdictionTree);
    expect(build).toThrow(/is its own ancestor/);
  });

  it('the error is an Error named InvalidJurisdictionTree', () => {
    let caught: unknown;
    try {
      new JurisdictionTree([record(CITY, CITY, 'city')]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toBeInstanceOf(InvalidJurisdictionTree);
    expect(caught).toMatchObject({ name: 'InvalidJurisdictionTree' });
  });

  it('names the unit at fault and the field of its record, for a loader to point at the entry', () => {
    const thrown = (records: JurisdictionRecord[]): unknown => {
      try {
        new JurisdictionTree(records);
      } catch (error) {
        return error;
      }
      return null;
    };
    expect(thrown([record(CITY, null, 'city'), record(DINGHU, CITY), record(DINGHU, CITY)])).toMatchObject({ code: DINGHU, field: 'code' });
    expect(thrown([record(CITY, PROVINCE, 'city')])).toMatchObject({ code: CITY, field: 'parent' });
    expect(thrown([record(CITY, DINGHU, 'city'), record(DINGHU, CITY)])).toMatchObject({ code: CITY, field: 'parent' });
  });

  it('an empty tree and a tree with two roots are valid', () => {
    expect(new JurisdictionTree([]).all()).toStrictEqual([]);
    const two = new JurisdictionTree([record(CITY, null, 'city'), record('441300', null, 'city')]);
    expect(two.isWithin(CITY, '441300')).toBe(false);
  });
});

describe('jurisdiction tree: another city, loaded as data', () => {
  /** A made-up Huizhou (惠州) tree as a deployment would keep it in its jurisdictions file. */
  const HUIZHOU_FILE = JSON.stringify([
    { code: '441300', name: '惠州市', nameEn: 'Huizhou', parent: null, level: 'city' },
    { code: '441302', name: '惠城区', nameEn: 'Huicheng District', parent: '441300', level: 'county' },
    { code: '441303', name: '惠阳区', nameEn: 'Huiyang District', parent: '441300', level: 'county' },
    { code: '441322', name: '博罗县', nameEn: 'Boluo County', parent: '441300', level: 'county' },
    { code: '441323', name: '惠东县', nameEn: 'Huidong County', parent: '441300', level: 'county' },
    { code: '441324', name: '龙门县', nameEn: 'Longmen County', parent: '441300', level: 'county' },
    { code: '441302001', name: '桥西街道', parent: '441302', level: 'township' },
  ]);
  const huizhou = new JurisdictionTree(JSON.parse(HUIZHOU_FILE) as JurisdictionRecord[]);

  it('loads with its own levels, with the city at the top', () => {
    expect(huizhou.all()).toHaveLength(7);
    expect(huizhou.parentOf('441300')).toBeNull();
    expect(huizhou.parentOf('441322')).toBe('441300');
    expect(huizhou.ancestorsOf('441302001')).toStrictEqual(['441302', '441300']);
    expect(huizhou.isWithin('441302001', '441300')).toBe(true);
    expect(huizhou.isWithin('441303', '441302')).toBe(false);
  });

  it('knows nothing of Zhaoqing, and Zhaoqing nothing of it', () => {
    expect(huizhou.has(CITY)).toBe(false);
    expect(huizhou.parentOf(DINGHU)).toBeNull();
    expect(zhaoqing.has('441302')).toBe(false);
  });

  it('the visibility rule works on it unchanged', () => {
    const incident = { leadJurisdiction: '441302001', linkedJurisdictions: ['441323'], supportingJurisdictions: [] };
    expect(['441302001', '441302', '441300', '441323'].filter((v) => canSee(huizhou, v, incident))).toStrictEqual([
      '441302001',
      '441302',
      '441300',
      '441323',
    ]);
    expect(['441303', '441322', '441324'].filter((v) => canSee(huizhou, v, incident))).toStrictEqual([]);
  });
});

describe('visibility: roomsOf and canSee', () => {
  const ALL = zhaoqing.all().map((r) => r.code);
  const visibleTo = (incident: Parameters<typeof canSee>[2]): string[] => ALL.filter((viewer) => canSee(zhaoqing, viewer, incident));

  it('roomsOf is the lead, then the linked rooms, then the supporting ones, each once', () => {
    expect(roomsOf({ leadJurisdiction: DINGHU, linkedJurisdictions: [CITY, FENGKAI], supportingJurisdictions: [GAOYAO] })).toStrictEqual([
      DINGHU,
      CITY,
      FENGKAI,
      GAOYAO,
    ]);
    expect(roomsOf({ leadJurisdiction: DINGHU, linkedJurisdictions: [CITY, DINGHU], supportingJurisdictions: [CITY] })).toStrictEqual([DINGHU, CITY]);
    expect(roomsOf({ leadJurisdiction: DINGHU, linkedJurisdictions: [], supportingJurisdictions: [] })).toStrictEqual([DINGHU]);
  });

  it('a county incident is seen by the county and the levels above it, not by its neighbours', () => {
    expect(visibleTo({ leadJurisdiction: DINGHU, linkedJurisdictions: [], supportingJurisdictions: [] })).toStrictEqual([PROVINCE, CITY, DINGHU]);
  });

  it('linked and supporting rooms see it too', () => {
    expect(visibleTo({ leadJurisdiction: DINGHU, linkedJurisdictions: [FENGKAI], supportingJurisdictions: [GAOYAO] })).toStrictEqual([
      PROVINCE,
      CITY,
      DINGHU,
      GAOYAO,
      FENGKAI,
    ]);
  });

  it('a city-led incident is not seen by the counties unless they follow it', () => {
    expect(visibleTo({ leadJurisdiction: CITY, linkedJurisdictions: [], supportingJurisdictions: [] })).toStrictEqual([PROVINCE, CITY]);
    expect(visibleTo({ leadJurisdiction: CITY, linkedJurisdictions: [], supportingJurisdictions: [DINGHU] })).toStrictEqual([PROVINCE, CITY, DINGHU]);
  });

  it('an incident in the High-tech Zone is seen by the zone, the city and the province', () => {
    expect(visibleTo({ leadJurisdiction: HIGH_TECH_ZONE, linkedJurisdictions: [], supportingJurisdictions: [] })).toStrictEqual([
      PROVINCE,
      CITY,
      HIGH_TECH_ZONE,
    ]);
  });

  it('follows the incident machine: a Dinghu landslide raised to the city keeps Dinghu and shows Fengkai once it supports', () => {
    let n = 0;
    const step = (state: PersistedState, body: Record<string, unknown> & { type: IncidentCommand['type'] }): PersistedState => {
      n += 1;
      const now = new Date(Date.UTC(2025, 5, 1, 8, n)).toISOString();
      const d = decide(incidentAggregate, state, {
        ...body,
        meta: { commandId: `c-${n}`, actor: { userId: 'u', roles: ['duty_officer'], jurisdiction: DINGHU }, now, occurredAt: now },
      });
      if (!d.ok) throw new Error(`${body.type} rejected in ${d.state}`);
      return d.state;
    };
    // A test shortcut: these states come from decide() on this very machine, so their context is its context.
    const incident = (state: PersistedState): IncidentContext => state.context as IncidentContext;

    // the engine fills the level above from the tree, and the rooms the linkage rules name at III
    let s = step(initialState(incidentAggregate), {
      type: 'ReportIncident',
      incidentId: 'inc-v',
      title: 'Landslide',
      leadJurisdiction: DINGHU,
      upperJurisdiction: zhaoqing.parentOf(DINGHU),
      severity: 'III',
      linkage: linkageAbove(DEFAULT_PLAN_RULES, zhaoqing, DINGHU, 'III'),
    });
    expect(visibleTo(incident(s))).toStrictEqual([PROVINCE, CITY, DINGHU]);
    expect(roomsOf(incident(s))).toStrictEqual([DINGHU, CITY]);

    const to = zhaoqing.parentOf(DINGHU) ?? '';
    s = step(s, { type: 'RaiseLead', reason: 'city takes over', to, upperJurisdiction: zhaoqing.parentOf(to), linkage: linkageAbove(DEFAULT_PLAN_RULES, zhaoqing, to, 'III') });
    // at III the rules link the city only: the city leads, the province (above it) sees without following
    expect(roomsOf(incident(s))).toStrictEqual([CITY, DINGHU]);
    expect(visibleTo(incident(s))).toStrictEqual([PROVINCE, CITY, DINGHU]);

    s = step(s, { type: 'AddSupportingJurisdiction', jurisdiction: FENGKAI });
    expect(visibleTo(incident(s))).toStrictEqual([PROVINCE, CITY, DINGHU, FENGKAI]);
    expect(canSee(zhaoqing, DUANZHOU, incident(s))).toBe(false);
  });
});
