import { contactsCovering, listContacts } from '@muster/store-postgres';
import { integrationTest } from '@muster/testkit/fixtures';
import { describe, expect } from 'vitest';
import { seedDemoContacts } from './demo-contacts';

/** Zhaoqing's eight counties (GB/T 2260) and the four roles of the registry. */
const COUNTIES = ['441202', '441203', '441204', '441223', '441224', '441225', '441226', '441284'];
const CONTACT_ROLES = ['township_head', 'village_cadre', 'reservoir_keeper', 'school_contact'];

describe('demo contacts (issue 21)', () => {
  integrationTest('an empty registry gets two townships of each county, four posts each, named by post; a second start adds none', async ({ database }) => {
    expect(await seedDemoContacts(database.db, new Date('2026-07-01T06:00:00Z'))).toBe(COUNTIES.length * 2 * 4);
    expect(await seedDemoContacts(database.db, new Date('2026-07-01T07:00:00Z'))).toBe(0);
    const all = await listContacts(database.db, COUNTIES, { active: null });
    expect(all).toHaveLength(64);
    for (const contact of all) {
      expect(COUNTIES).toContain(contact.jurisdiction);
      expect(contact.area.slice(0, 6)).toBe(contact.jurisdiction);
      expect(contact.area).toMatch(/^\d{9}$/);
      expect(contact.phone).toMatch(/^1\d{10}$/);
      // Named by township and post, never by an id.
      expect(contact.name.startsWith(contact.areaName)).toBe(true);
      expect(contact.name).not.toMatch(/[A-Za-z0-9]/);
    }
    // Every county has every role, so a warning over any county reaches someone of each.
    for (const county of COUNTIES) {
      expect(new Set((await contactsCovering(database.db, [county], CONTACT_ROLES)).map((c) => c.role))).toStrictEqual(new Set(CONTACT_ROLES));
    }
  });
});
