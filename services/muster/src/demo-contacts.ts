import { createContact, listContacts, type Database } from '@muster/store-postgres';
import type { Kysely } from 'kysely';

/**
 * Demo contacts of the last mile (通讯录, issue 21) for `muster start` with demo users: two townships
 * of each Zhaoqing county, with a township head, a village cadre, a reservoir keeper and a school
 * contact each, named by their post (no real person). Township names are real; the 9-digit codes
 * follow GB/T 10114's pattern (county code + 3 digits) but are illustrative, and the phone numbers
 * are fictitious.
 */
const DEMO_TOWNSHIPS: readonly { county: string; townships: readonly [string, string][] }[] = [
  { county: '441202', townships: [['441202001', '城东街道'], ['441202003', '黄岗街道']] },
  { county: '441203', townships: [['441203001', '坑口街道'], ['441203101', '沙浦镇']] },
  { county: '441204', townships: [['441204001', '南岸街道'], ['441204101', '金渡镇']] },
  { county: '441223', townships: [['441223001', '南街街道'], ['441223101', '江屯镇']] },
  { county: '441224', townships: [['441224001', '怀城街道'], ['441224101', '梁村镇']] },
  { county: '441225', townships: [['441225001', '江口街道'], ['441225101', '长岗镇']] },
  { county: '441226', townships: [['441226001', '德城街道'], ['441226101', '悦城镇']] },
  { county: '441284', townships: [['441284001', '东城街道'], ['441284101', '大沙镇']] },
];

const DEMO_ROLES: readonly { role: string; post: string; channels: string[] }[] = [
  { role: 'township_head', post: '负责人', channels: ['sms', 'voice'] },
  { role: 'village_cadre', post: '村干部', channels: ['sms', 'loudspeaker'] },
  { role: 'reservoir_keeper', post: '水库安全责任人', channels: ['voice', 'sms'] },
  { role: 'school_contact', post: '中心小学联系人', channels: ['app', 'sms'] },
];

/** The demo registry, as rows to insert (ids stable, so a look at two demo starts finds the same people). */
function demoContacts(now: string) {
  return DEMO_TOWNSHIPS.flatMap(({ county, townships }) =>
    townships.flatMap(([area, areaName], t) =>
      DEMO_ROLES.map(({ role, post, channels }, r) => ({
        contactId: `demo-${area}-${role}`,
        jurisdiction: county,
        area,
        areaName,
        name: `${areaName}${post}`,
        role,
        phone: `138${county}${t}${r}`,
        channels,
        updatedAt: now,
      })),
    ),
  );
}

/** Fills an empty registry with the demo contacts; a registry that has any contact is left alone. */
export async function seedDemoContacts(db: Kysely<Database>, now: Date): Promise<number> {
  const counties = DEMO_TOWNSHIPS.map((c) => c.county);
  if ((await listContacts(db, counties, { active: null })).length > 0) return 0;
  const contacts = demoContacts(now.toISOString());
  for (const contact of contacts) await createContact(db, contact);
  return contacts.length;
}
