import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, initialState, warningAggregate, type PersistedState, type WarningContent } from '@muster/domain';
import { atomFeed, capIndex, capXml, currentWarnings, gbFieldsOf, gbFileName, gbProfileViolations, gbXml, latestMessages, releasedMessages } from './index';

// The OASIS CAP 1.2 schema, kept unchanged in the repo (schema/README.md says where it comes from).
const PACKAGE = join(import.meta.dirname, '..');
const SCHEMA = join(PACKAGE, 'schema', 'CAP-v1.2.xsd');
const SAMPLES = join(PACKAGE, 'samples');
const scratch = mkdtempSync(join(tmpdir(), 'muster-warning-xml-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** xmllint's verdict on files against the CAP 1.2 schema: null when all validate, else its complaint. */
function schemaErrors(files: readonly string[]): string | null {
  try {
    execFileSync('xmllint', ['--noout', '--schema', SCHEMA, ...files], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

function validateCap(name: string, xml: string): string | null {
  const file = join(scratch, name);
  writeFileSync(file, xml);
  return schemaErrors([file]);
}

const T0 = Date.UTC(2026, 6, 1, 6, 0, 0);
const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();
const DUTY = { userId: 'dinghu-duty', roles: ['duty_officer' as const], jurisdiction: '441203' };
const LEADER = { userId: 'dinghu-leader', roles: ['leader' as const], jurisdiction: '441203' };

const CONTENT: WarningContent = {
  category: 'Met',
  eventCode: '11B03',
  zh: {
    event: '暴雨',
    headline: '鼎湖区暴雨黄色预警',
    description: '预计未来6小时鼎湖区沙坑、凤凰一带降雨量将达50毫米以上，山洪、地质灾害风险高。',
    instruction: '转移低洼地带和地质灾害隐患点群众；停止户外作业；水库管理员加强巡查。',
  },
  en: {
    event: 'Rainstorm',
    headline: 'Yellow rainstorm warning for Dinghu District',
    description: 'More than 50 mm of rain expected within 6 hours around Shakeng and Fenghuang; high risk of flash floods and landslides.',
    instruction: 'Move people out of low-lying areas and landslide spots; stop outdoor work; reservoir keepers patrol more often.',
  },
  onset: at(30),
  expires: at(720),
  channels: ['SMS', 'SPEAKER', 'BROADCAST'],
  area: {
    description: '肇庆市鼎湖区沙坑镇、凤凰镇',
    jurisdictions: ['441203'],
    polygon: [
      { lat: 23.16, lon: 112.52 },
      { lat: 23.22, lon: 112.52 },
      { lat: 23.22, lon: 112.6 },
      { lat: 23.16, lon: 112.6 },
      { lat: 23.16, lon: 112.52 },
    ],
    circles: [{ centre: { lat: 23.19, lon: 112.56 }, radiusKm: 5 }],
  },
};

const EN = CONTENT.en ?? CONTENT.zh;

/** The message at `i`, which the scenario released. */
function nth<T>(list: readonly T[], i: number): T {
  const item = list[i];
  if (item === undefined) throw new Error(`no message ${i}`);
  return item;
}

let counter = 0;
/** Runs commands through the warning machine; returns the events it records, as stored. */
function runWarning(status: 'actual' | 'exercise', steps: readonly { body: Record<string, unknown> & { type: string }; minute: number; by: typeof DUTY | typeof LEADER }[]) {
  let state: PersistedState = initialState(warningAggregate);
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const all = [
    { body: { type: 'DraftWarning', warningId: `w-${status}`, jurisdiction: '441203', status, level: 'yellow', sender: { name: '肇庆市鼎湖区突发事件预警信息发布中心', agencyCode: '416' }, content: CONTENT, incidents: ['inc-shakeng'] }, minute: 1, by: DUTY },
    { body: { type: 'ApproveWarning' }, minute: 2, by: LEADER },
    { body: { type: 'IssueWarning' }, minute: 3, by: DUTY },
    ...steps,
  ];
  for (const step of all) {
    counter += 1;
    const meta = { commandId: `c-${counter}`, actor: step.by, now: at(step.minute), occurredAt: at(step.minute) };
    const d = decide(warningAggregate, state, { ...step.body, meta });
    if (!d.ok) throw new Error(`${step.body.type} refused in ${d.state}`);
    state = d.state;
    events.push(...d.events);
  }
  return events;
}

const ACTUAL = releasedMessages(
  runWarning('actual', [
    { body: { type: 'UpdateWarning', reason: '雨势加强，升级为橙色预警', level: 'orange', content: { ...CONTENT, expires: at(900), zh: { ...CONTENT.zh, headline: '鼎湖区暴雨橙色预警' }, en: { ...EN, headline: 'Orange rainstorm warning for Dinghu District' } } }, minute: 90, by: LEADER },
    { body: { type: 'LiftWarning', reason: '降雨明显减弱，山洪风险解除' }, minute: 400, by: LEADER },
  ]),
);
const DRILL = releasedMessages(
  runWarning('exercise', [
    { body: { type: 'UpdateWarning', reason: '演练：调整为蓝色', level: 'blue', content: { ...CONTENT, en: null } }, minute: 60, by: LEADER },
    { body: { type: 'LiftWarning', reason: '演练结束' }, minute: 120, by: LEADER },
  ]),
);

describe('the two XML forms of every released message', () => {
  it('a warning issued, raised to orange and lifted released Alert, Update and Cancel', () => {
    expect(ACTUAL.map((m) => [m.msgType, m.level])).toEqual([
      ['Alert', 'yellow'],
      ['Update', 'orange'],
      ['Cancel', 'orange'],
    ]);
  });

  it('every CAP 1.2 message validates against the OASIS schema (xmllint)', () => {
    for (const [i, message] of [...ACTUAL, ...DRILL].entries()) expect(validateCap(`m${i}.xml`, capXml(message))).toBeNull();
  });

  it('the schema check can fail: a status CAP does not know is refused', () => {
    const broken = capXml(nth(ACTUAL, 0)).replace('<status>Actual</status>', '<status>Real</status>');
    expect(validateCap('broken.xml', broken)).toContain('status');
  });

  it('an Update references the message it updates (CAP: sender,identifier,sent; GB: the first issue)', () => {
    const [alert, update, cancel] = [nth(ACTUAL, 0), nth(ACTUAL, 1), nth(ACTUAL, 2)];
    const cap = capXml(update);
    expect(cap).toContain(`<references>${alert.senderCode},${alert.identifier},2026-07-01T14:03:00+08:00</references>`);
    expect(gbFieldsOf(gbXml(update)).references).toBe(alert.identifier);
    // The Cancel references the first issue and the Update it follows.
    expect(capXml(cancel)).toContain(`<references>${alert.senderCode},${alert.identifier},2026-07-01T14:03:00+08:00 ${update.senderCode},${update.identifier},2026-07-01T15:30:00+08:00</references>`);
    expect(gbFieldsOf(gbXml(cancel))).toMatchObject({ references: alert.identifier, note: '降雨明显减弱，山洪风险解除' });
  });

  it('a drill warning is never Actual in either form: CAP Exercise, GB Test', () => {
    for (const message of DRILL) {
      const cap = capXml(message);
      expect(cap).toContain('<status>Exercise</status>');
      expect(cap).not.toContain('Actual');
      expect(gbFieldsOf(gbXml(message)).status).toBe('Test');
      expect(gbXml(message)).not.toContain('Actual');
    }
  });

  it('CAP: severity, urgency and certainty from the level table; info in zh-CN, then en-US; area with polygon, circle and geocode', () => {
    const cap = capXml(nth(ACTUAL, 1));
    expect(cap).toMatch(/<language>zh-CN<\/language>[\s\S]*<language>en-US<\/language>/);
    expect(cap).toContain('<severity>Severe</severity>');
    expect(cap).toContain('<urgency>Expected</urgency>');
    expect(cap).toContain('<polygon>23.16,112.52 23.22,112.52 23.22,112.6 23.16,112.6 23.16,112.52</polygon>');
    expect(cap).toContain('<circle>23.19,112.56 5</circle>');
    expect(cap).toContain('<incidents>inc-shakeng</incidents>');
    expect(capXml(nth(DRILL, 1))).not.toContain('en-US');
  });

  it('every GB/T 35965.1 form keeps the profile rules', () => {
    for (const message of [...ACTUAL, ...DRILL]) expect(gbProfileViolations(gbFieldsOf(gbXml(message)))).toEqual([]);
    expect(gbFieldsOf(gbXml(nth(ACTUAL, 0)))).toMatchObject({ severity: 'Yellow', scope: 'Public', codes: ['SMS', 'SPEAKER', 'BROADCAST'], geocode: '441203', status: 'Actual' });
    expect(gbFileName(nth(ACTUAL, 0))).toBe('44120341600000_20260701140300_11B03_YELLOW_ALERT.XML');
  });

  it('each profile rule can fail, naming its clause', () => {
    const good = gbFieldsOf(gbXml(nth(ACTUAL, 2)));
    const broken = (change: Partial<typeof good>) => gbProfileViolations({ ...good, ...change }).map((v) => v.split(' ')[0]);
    expect(broken({ identifier: '441203_20260701140300_0' })).toEqual(['identifier-format']);
    expect(broken({ senderCode: '4412034160000' })).toEqual(['identifier-format', 'sender-code']);
    expect(broken({ status: 'Exercise' })).toEqual(['status']);
    expect(broken({ msgType: 'Ack' })).toEqual(['msg-type']);
    expect(broken({ scope: 'Restricted' })).toEqual(['scope']);
    expect(broken({ references: null })).toEqual(['references-first-issue']);
    expect(broken({ note: null })).toEqual(['cancel-note']);
    expect(broken({ severity: 'Extreme' })).toEqual(['severity-colour']);
    expect(broken({ codes: ['PIGEON'] })).toEqual(['channel-codes']);
    expect(broken({ geocode: '441203 441204' })).toEqual(['geocode-admin-codes']);
    expect(gbProfileViolations({ ...good, severity: 'Extreme' })[0]).toContain('GB/T 35965.1-2018 annex A');
  });
});

describe('the CAP index and the Atom feed of current warnings', () => {
  const links = {
    self: 'http://muster.example/warnings/feed.atom?jurisdiction=441200',
    cap: (m: { identifier: string }) => `http://muster.example/warnings/messages/${m.identifier}.cap.xml`,
    gb: (m: { identifier: string }) => `http://muster.example/warnings/messages/${m.identifier}.gb.xml`,
  };
  const [alert, update] = [nth(ACTUAL, 0), nth(ACTUAL, 1)];
  const within = (room: string) => (code: string) => code.startsWith(room.replace(/0+$/, ''));

  it('only warnings in force: the latest message of each, not lifted, not expired, not a drill, in the area asked for', () => {
    // Before the lift, the actual warning is in force as updated; the drill never is (public feed).
    const beforeLift = latestMessages([alert, update, ...DRILL.slice(0, 2)]);
    expect(currentWarnings(beforeLift, at(200), within('441200')).map((m) => m.identifier)).toEqual([update.identifier]);
    expect(currentWarnings(beforeLift, at(200), within('441224'))).toEqual([]);
    // Past its expiry (minute 900) it is gone; once lifted too.
    expect(currentWarnings(beforeLift, at(901), within('441200'))).toEqual([]);
    expect(currentWarnings(latestMessages(ACTUAL), at(200), within('441200'))).toEqual([]);
  });

  it('the index lists each current warning with its colour, CAP severity and the addresses of both forms', () => {
    const index = capIndex(currentWarnings(latestMessages([alert, update]), at(200), within('441200')), links);
    expect(index).toEqual([
      expect.objectContaining({ identifier: update.identifier, msgType: 'Update', status: 'Actual', colour: 'Orange', severity: 'Severe', geocodes: ['441203'], capUrl: links.cap(update), gbUrl: links.gb(update) }),
    ]);
  });

  it('the Atom feed is well-formed XML with one entry per current warning linking its CAP form', () => {
    const current = currentWarnings(latestMessages([alert, update]), at(200), within('441200'));
    const feed = atomFeed('肇庆市 当前预警', current, links, at(200));
    const file = join(scratch, 'feed.atom');
    writeFileSync(file, feed);
    expect(() => execFileSync('xmllint', ['--noout', file], { stdio: 'pipe' })).not.toThrow();
    expect(feed).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(feed.match(/<entry>/g)).toHaveLength(1);
    expect(feed).toContain(`<link rel="alternate" type="application/cap+xml" href="${links.cap(update)}"/>`);
    expect(feed).toContain('<title>鼎湖区暴雨橙色预警</title>');
    const empty = atomFeed('怀集县 当前预警', [], links, at(200));
    expect(empty).not.toContain('<entry>');
    expect(empty).toContain('<updated>2026-07-01T17:20:00+08:00</updated>');
  });
});

/**
 * The sample files in samples/ are what the generators make of the scenario above: rewritten with
 * WRITE_WARNING_SAMPLES=1, otherwise compared, and every CAP sample validated against the schema.
 */
describe('the sample files kept in the repo', () => {
  const expected = new Map<string, string>();
  for (const [kind, messages] of [
    ['actual', ACTUAL],
    ['drill', DRILL],
  ] as const) {
    for (const message of messages) {
      const name = `${kind}-${message.msgType.toLowerCase()}`;
      expected.set(`${name}.cap.xml`, capXml(message));
      expected.set(`${name}.${gbFileName(message)}`, gbXml(message));
    }
  }
  if (process.env['WRITE_WARNING_SAMPLES'] === '1') {
    for (const [name, xml] of expected) writeFileSync(join(SAMPLES, name), xml);
  }

  it('are the forms the generators make, one CAP and one GB file per message', () => {
    const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.xml') || f.endsWith('.XML')).sort();
    expect(files).toEqual([...expected.keys()].sort());
    for (const [name, xml] of expected) expect(readFileSync(join(SAMPLES, name), 'utf8')).toBe(xml);
  });

  it('every CAP sample validates against the OASIS CAP 1.2 schema; every GB sample keeps the profile', () => {
    const cap = readdirSync(SAMPLES).filter((f) => f.endsWith('.cap.xml'));
    expect(cap).toHaveLength(6);
    expect(schemaErrors(cap.map((f) => join(SAMPLES, f)))).toBeNull();
    const gb = readdirSync(SAMPLES).filter((f) => f.endsWith('.XML'));
    expect(gb).toHaveLength(6);
    for (const f of gb) expect(gbProfileViolations(gbFieldsOf(readFileSync(join(SAMPLES, f), 'utf8')))).toEqual([]);
  });
});
