import { changeEntry, registerEntry, type RegistryChange } from '@muster/store-postgres';
import { integrationTest } from '@muster/testkit/fixtures';
import { sql } from 'kysely';
import { describe, expect } from 'vitest';
import { replayStreams } from './log-tools';

const huaiji = { userId: 'do-huaiji', roles: ['duty_officer' as const], jurisdiction: '441224' };
let n = 0;
const change = (): RegistryChange => ({ actor: huaiji, now: new Date(Date.UTC(2026, 6, 1, 8, n)).toISOString(), commandId: `c-${++n}`, newId: () => crypto.randomUUID() });

describe('muster replay over the registries (issue 23)', () => {
  integrationTest('a registry entry is the fold of its events; a stored entry that is not is reported', async ({ database }) => {
    const shelter = { id: 's-1', jurisdiction: '441224', name: '怀集一中', address: '怀城镇', position: null, capacity: 100, facilities: ['饮用水'], manager: '李', managerPhone: '1' };
    await registerEntry(database.db, 'shelter', shelter, change());
    await changeEntry(database.db, 'shelter', 's-1', { registry: 'shelter', type: 'OpenShelter' }, change());
    await changeEntry(database.db, 'shelter', 's-1', { registry: 'shelter', type: 'ReportOccupancy', occupancy: 120 }, change());
    const clean = await replayStreams(database.db);
    expect(clean).toMatchObject({ streams: 1, events: 3, mismatches: [] });

    // A snapshot edited behind the log's back is caught.
    await sql`update stream set snapshot = jsonb_set(snapshot, '{context,occupancy}', '5') where stream_id = 'shelter:s-1'`.execute(database.db);
    const tampered = await replayStreams(database.db);
    expect(tampered.mismatches).toEqual([expect.objectContaining({ streamId: 'shelter:s-1', reason: 'stored entry differs from the fold of its events' })]);
  });
});
