import type { Actor } from '@muster/domain';
import { stateAt, type Engine } from '@muster/engine';
import type { TimelineEntry } from '@muster/store-postgres';
import type { TestDatabase } from '@muster/testkit';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { incidentEvents } from './routes/review';
import { actorRequests, apiTest } from './test-fixtures';

const LEAD = '441224';
const room: Actor = { userId: 'do-huaiji', roles: ['duty_officer'], jurisdiction: LEAD };
const cityLeader: Actor = { userId: 'ld-city', roles: ['leader'], jurisdiction: '441200' };
const reviewer: Actor = { userId: 'rv-city', roles: ['reviewer'], jurisdiction: '441200' };
const otherCounty: Actor = { userId: 'do-other', roles: ['duty_officer'], jurisdiction: '441223' };
const chief = { userId: 'u-chief', name: 'Chief' };
const commander: Actor = { userId: 'u-chief', roles: ['responder'], jurisdiction: LEAD };

/** The injected clock: every test moves it on explicitly, so recorded times are known. */
let now = Date.parse('2026-07-01T08:00:00.000Z');
const clock = { now: () => new Date(now) };
const at = (ms: number) => new Date(ms).toISOString();

let t: TestDatabase;
let app: FastifyInstance;
let engine: Engine;

// Only the engine reads the injected clock; the api's own reads (as-of times) stay on the system clock.
apiTest.override('clock', { scope: 'file' }, clock);
apiTest.beforeAll(({ database, engine: fileEngine, api }) => {
  t = database;
  engine = fileEngine;
  app = api;
});
const { call, ok } = actorRequests(() => app);

/** A page of the timeline as the api answers it: entries as the store reads them. */
type Page = { items: TimelineEntry[]; next: string | null };

/** An incident with a command structure and a resource request, one minute between commands. */
async function scenario(id: string): Promise<{ t0: number }> {
  const t0 = now;
  const step = async (actor: Actor, url: string, payload: unknown) => {
    now += 60_000;
    return ok(actor, 'POST', url, payload);
  };
  await step(room, '/incidents', { incidentId: id, data: { title: 'Landslide on the S263', leadJurisdiction: LEAD } });
  await step(room, `/incidents/${id}/commands`, { type: 'BeginVerification', data: {} });
  // Reported late: the confirmation happened 30 s before it was recorded, after the verification began.
  await step(room, `/incidents/${id}/commands`, { type: 'ConfirmIncident', data: { category: 'natural_disaster', severity: 'IV' }, occurredAt: at(now + 60_000 - 30_000) });
  await step(room, `/incidents/${id}/command`, { type: 'AppointCommander', data: { commander: chief, deputies: [] } });
  await step(room, `/incidents/${id}/commands`, { type: 'BeginInitialHandling', data: { measures: 'Road closed' } });
  // The city follows the county's incident (以县为主): what it may do on it is link another room.
  await step(cityLeader, `/incidents/${id}/commands`, { type: 'LinkRoom', data: { jurisdiction: '441225', reason: 'The slide may reach Fengkai' } });
  await step(commander, `/incidents/${id}/resource-requests`, { requestId: `rr-${id}`, data: { items: [{ kind: 'tent', quantity: 10, priority: 'urgent', deliverTo: 'Village school' }], justification: 'Shelter for evacuees' } });
  return { t0 };
}

describe('timeline', () => {
  it('lists the incident and every stream under it with occurred and recorded time, actor, role and jurisdiction', async () => {
    await scenario('tl-1');
    const page = await ok<Page>(reviewer, 'GET', '/incidents/tl-1/timeline');
    expect(new Set(page.items.map((e) => e.streamId))).toStrictEqual(new Set(['tl-1', 'scene:tl-1', 'report:tl-1', 'rr-tl-1']));
    const confirmed = page.items.find((e) => e.type === 'IncidentConfirmed');
    expect(confirmed).toMatchObject({ actor: room.userId, roles: ['duty_officer'], actorJurisdiction: LEAD, streamType: 'incident' });
    expect(Date.parse(confirmed?.recordedAt ?? '') - Date.parse(confirmed?.occurredAt ?? '')).toBe(30_000);
    const handling = page.items.find((e) => e.type === 'InitialHandlingStarted');
    expect(handling).toMatchObject({ actor: room.userId, roles: ['duty_officer'], actorJurisdiction: LEAD });
    const linked = page.items.find((e) => e.type === 'RoomLinked');
    expect(linked).toMatchObject({ actor: 'ld-city', roles: ['leader'], actorJurisdiction: '441200' });
  });

  it('filters by kind, actor, role, jurisdiction and time by either basis', async () => {
    const ids = async (query: string) => (await ok<Page>(reviewer, 'GET', `/incidents/tl-1/timeline?${query}`)).items.map((e) => e.type);
    expect(await ids('kind=scene')).toStrictEqual(['CommanderAppointed']);
    expect(await ids('kind=IncidentConfirmed,resourceRequest')).toStrictEqual(['IncidentConfirmed', 'ResourceRequestSubmitted']);
    expect(await ids('actor=ld-city')).toStrictEqual(['RoomLinked']);
    expect(await ids('role=leader')).toStrictEqual(['RoomLinked']);
    expect(await ids('jurisdiction=441200')).toStrictEqual(['RoomLinked']);
    const all = (await ok<Page>(reviewer, 'GET', '/incidents/tl-1/timeline')).items;
    const confirmed = all.find((e) => e.type === 'IncidentConfirmed');
    const verifying = all.find((e) => e.type === 'VerificationStarted');
    // Between the verification and the moment the confirmation happened: by occurred time the
    // confirmation is in the window, by recorded time (30 s later) it is not.
    const window = `from=${encodeURIComponent(verifying?.recordedAt ?? '')}&to=${encodeURIComponent(at(Date.parse(confirmed?.occurredAt ?? '') + 1))}`;
    expect(await ids(`basis=occurred&${window}`)).toContain('IncidentConfirmed');
    expect(await ids(`basis=recorded&${window}`)).not.toContain('IncidentConfirmed');
  });

  it('pages with an opaque cursor: every entry once, in commit order', async () => {
    const all = (await ok<Page>(reviewer, 'GET', '/incidents/tl-1/timeline')).items.map((e) => e.eventId);
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const query: string = after ? `limit=2&after=${after}` : 'limit=2';
      const page: Page = await ok<Page>(reviewer, 'GET', `/incidents/tl-1/timeline?${query}`);
      paged.push(...page.items.map((e) => e.eventId));
      after = page.next;
    } while (after);
    expect(paged).toStrictEqual(all);
    expect((await call(reviewer, 'GET', '/incidents/tl-1/timeline?after=bm9wZQ')).statusCode).toBe(400);
  });

  it('is visible only to those who may see the incident', async () => {
    const response = await call(otherCounty, 'GET', '/incidents/tl-1/timeline');
    expect(response.statusCode).toBe(404);
    // Exactly the answer for an incident that does not exist: nothing says this one does.
    expect(response.body).toBe((await call(otherCounty, 'GET', '/incidents/tl-none/timeline')).body.replaceAll('tl-none', 'tl-1'));
  });
});

describe('corrections', () => {
  it('a strike leaves the original entry visible, unchanged and marked; an amendment records what it should have said', async () => {
    const before = (await ok<Page>(reviewer, 'GET', '/incidents/tl-1/timeline')).items;
    const handling = before.find((e) => e.type === 'InitialHandlingStarted');
    const submitted = before.find((e) => e.type === 'ResourceRequestSubmitted');
    now += 60_000;
    await ok(room, 'POST', '/incidents/tl-1/corrections', { data: { eventId: handling?.eventId, kind: 'strike', reason: 'Entered on the wrong incident' } });
    await ok(room, 'POST', '/incidents/tl-1/corrections', {
      data: { eventId: submitted?.eventId, kind: 'amend', reason: 'Quantity misheard', amendedData: { items: [{ kind: 'tent', quantity: 100, priority: 'urgent', deliverTo: 'Village school' }] } },
    });
    const after = (await ok<Page>(reviewer, 'GET', '/incidents/tl-1/timeline')).items;
    const struck = after.find((e) => e.eventId === handling?.eventId);
    expect(struck?.data).toStrictEqual(handling?.data);
    expect(struck?.correctedBy).toMatchObject([{ kind: 'strike', reason: 'Entered on the wrong incident', by: room.userId }]);
    expect(after.find((e) => e.eventId === submitted?.eventId)?.correctedBy).toMatchObject([{ kind: 'amend', reason: 'Quantity misheard' }]);
    expect(after.filter((e) => e.type === 'EntryCorrected').map((e) => e.streamId)).toStrictEqual(['correction:tl-1', 'correction:tl-1']);
    expect(after.length).toBe(before.length + 2);
  });

  it('refuses a reviewer, an event of another incident and an amendment without data', async () => {
    const entry = (await ok<Page>(reviewer, 'GET', '/incidents/tl-1/timeline')).items[0];
    expect((await call(reviewer, 'POST', '/incidents/tl-1/corrections', { data: { eventId: entry?.eventId, kind: 'strike', reason: 'x' } })).statusCode).toBe(403);
    expect((await call(room, 'POST', '/incidents/tl-1/corrections', { data: { eventId: crypto.randomUUID(), kind: 'strike', reason: 'x' } })).statusCode).toBe(404);
    expect((await call(room, 'POST', '/incidents/tl-1/corrections', { data: { eventId: entry?.eventId, kind: 'amend', reason: 'x' } })).statusCode).toBe(400);
  });
});

describe('state at a moment', () => {
  it('what was known at T (recorded) beside what was true at T (occurred)', async () => {
    const all = (await ok<Page>(reviewer, 'GET', '/incidents/tl-1/timeline')).items;
    const confirmed = all.find((e) => e.type === 'IncidentConfirmed');
    // A moment after the confirmation happened but before it was recorded.
    const moment = encodeURIComponent(at(Date.parse(confirmed?.occurredAt ?? '') + 1000));
    const known = await ok<{ incident: { state: string } }>(reviewer, 'GET', `/incidents/tl-1/state?at=${moment}&basis=recorded`);
    const truth = await ok<{ incident: { state: string } }>(reviewer, 'GET', `/incidents/tl-1/state?at=${moment}&basis=occurred`);
    expect(known.incident.state).toBe('verifying');
    expect(truth.incident.state).toBe('confirmed');
  });

  it('property: over random command sequences, the state replayed to T equals the snapshot the engine held at T', async () => {
    const incidentCommands = [
      { type: 'BeginVerification', data: {} },
      { type: 'ConfirmIncident', data: { category: 'accident', severity: 'III' } },
      { type: 'BeginInitialHandling', data: { measures: 'Cordon' } },
      // the county's own level: III is the city's to activate
      { type: 'ActivateResponse', data: { level: 'IV', measures: 'Evacuate' } },
      { type: 'ClassifyIncident', data: { category: 'accident', severity: 'II' } },
      { type: 'UpdateIncidentDetails', data: { description: 'More detail' } },
      { type: 'DeclareControlled', data: {} },
      { type: 'LiftResponse', data: {} },
      { type: 'AddSupportingJurisdiction', data: { jurisdiction: '441223' } },
    ];
    const commandCommands = [
      { type: 'AppointCommander', data: { commander: chief, deputies: [] } },
      { type: 'AppointDeputy', data: { deputy: { userId: 'u-dep', name: 'Deputy' } } },
      { type: 'EstablishCommandPost', data: { location: { description: 'Village school' } } },
    ];
    let run = 0;
    const accepted = { incident: 0, scene: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 20 }), fc.integer({ min: 1, max: 600_000 }), fc.integer({ min: -3_600_000, max: 0 })), { minLength: 1, maxLength: 12 }),
        async (steps) => {
          const id = `prop-${++run}`;
          now += 3_600_000;
          // Reported as having happened an hour ago: commands below are backdated by up to an hour, and
          // none may claim a time before the incident's record opens (issue 14).
          await engine.handle({ streamType: 'incident', streamId: id, type: 'ReportIncident', actor: room, data: { title: 'Chemical leak', leadJurisdiction: LEAD }, occurredAt: at(now - 3_600_000) });
          const oracle: { at: number; streams: Record<string, { value: string; context: Record<string, unknown> } | null> }[] = [];
          const snapshot = async () => {
            const streams: Record<string, { value: string; context: Record<string, unknown> } | null> = {};
            for (const streamId of [id, `scene:${id}`]) {
              const row = await t.db.selectFrom('stream').select('snapshot').where('stream_id', '=', streamId).executeTakeFirst();
              streams[streamId] = row?.snapshot ?? null;
            }
            oracle.push({ at: now, streams });
          };
          await snapshot();
          for (const [onCommand, pick, advance, backdate] of steps) {
            now += advance;
            const pool = onCommand ? commandCommands : incidentCommands;
            const command = pool[pick % pool.length];
            if (!command) continue;
            try {
              accepted[onCommand ? 'scene' : 'incident']++;
              await engine.handle({
                streamType: onCommand ? 'scene' : 'incident',
                streamId: onCommand ? `scene:${id}` : id,
                type: command.type,
                data: command.data,
                actor: room,
                occurredAt: at(now + backdate),
              });
            } catch {
              // A command the machine refuses in this state changes nothing: the oracle still holds.
              accepted[onCommand ? 'scene' : 'incident']--;
            }
            await snapshot();
          }
          const events = await incidentEvents(t.db, id);
          for (const point of oracle) {
            const replayed = stateAt(events, at(point.at), 'recorded');
            for (const [streamId, held] of Object.entries(point.streams)) {
              const got = replayed.find((s) => s.streamId === streamId)?.state ?? null;
              expect(got, `${streamId} at ${at(point.at)}`).toStrictEqual(held);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
    // Not vacuous: both streams moved through many accepted commands across the runs. The counts
    // vary with the random sequences (20 incident commands seen at the low end), so the bound is 10.
    expect(accepted.incident).toBeGreaterThanOrEqual(10);
    expect(accepted.scene).toBeGreaterThanOrEqual(10);
  });
});

describe('after-action metrics and exports', () => {
  it('metrics: time to each step, commander tenures, resource lead times, reporting lateness', async () => {
    const m = await ok<{
      minutesTo: Record<string, number | null>;
      commanderTenures: { commander: { userId: string }; until: string | null }[];
      resourceLeadTimes: { requestId: string; minutes: number | null }[];
      reportLateness: { kind: string; minutesLate: number | null }[];
    }>(reviewer, 'GET', '/incidents/tl-1/metrics');
    expect(m.minutesTo['verification']).toBeGreaterThan(0);
    expect(m.minutesTo['commanderOnScene']).toBeGreaterThan(m.minutesTo['verification'] ?? 0);
    expect(m.minutesTo['control']).toBeNull();
    expect(m.minutesTo['lifting']).toBeNull();
    expect(m.commanderTenures).toMatchObject([{ commander: { userId: 'u-chief' }, until: null }]);
    expect(m.resourceLeadTimes).toStrictEqual([expect.objectContaining({ requestId: 'rr-tl-1', minutes: null })]);
    // Confirming opened the report obligation: its phone report is due and counted.
    expect(m.reportLateness.length).toBeGreaterThan(0);
    expect((await call(otherCounty, 'GET', '/incidents/tl-1/metrics')).statusCode).toBe(404);
  });

  it('exports the timeline as JSON and CSV, corrections included', async () => {
    const json = await ok<{ items: TimelineEntry[] }>(reviewer, 'GET', '/incidents/tl-1/timeline/export?format=json');
    const csv = await call(reviewer, 'GET', '/incidents/tl-1/timeline/export?format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trimEnd().split('\n');
    expect(lines[0]).toBe('position,recordedAt,occurredAt,streamType,streamId,version,type,actor,roles,actorJurisdiction,jurisdiction,corrected,data');
    expect(lines.length).toBe(json.items.length + 1);
    expect(csv.body).toContain('strike: Entered on the wrong incident');
  });

  it('prints ICS 214 per position, ICS 201 and ICS 209 initial/update/final as escaped HTML', async () => {
    now += 60_000;
    await ok(room, 'POST', '/incidents', { incidentId: 'tl-html', data: { title: 'Fire <script>alert(1)</script> & smoke', leadJurisdiction: LEAD } });
    for (const form of ['ics214', 'ics201', 'ics209?version=final']) {
      const response = await call(reviewer, 'GET', `/incidents/tl-html/forms/${form}`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).not.toContain('<script>');
      expect(response.body).toContain('Fire &lt;script&gt;alert(1)&lt;/script&gt; &amp; smoke');
    }
    expect((await call(reviewer, 'GET', '/incidents/tl-html/forms/ics209?version=final')).body).toContain('<td>Final</td>');
    const log = (await call(reviewer, 'GET', '/incidents/tl-1/forms/ics214')).body;
    expect(log).toContain('ICS 214 Activity Log: ld-city');
    expect(log).toContain('class="struck"');
    expect((await call(reviewer, 'GET', '/incidents/tl-1/forms/ics999')).statusCode).toBe(400);
  });
});
