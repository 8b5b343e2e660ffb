import type { Kysely } from 'kysely';
import type { Database } from './database';

/** A contact as the registry holds it (issue 21). */
export interface ContactRecord {
  contactId: string;
  jurisdiction: string;
  area: string;
  areaName: string;
  name: string;
  role: string;
  phone: string;
  channels: string[];
  active: boolean;
  updatedAt: string;
}


function contactOf(r: { contact_id: string; jurisdiction: string; area: string; area_name: string; name: string; role: string; phone: string; channels: string[]; active: boolean; updated_at: Date }): ContactRecord {
  return {
    contactId: r.contact_id,
    jurisdiction: r.jurisdiction,
    area: r.area,
    areaName: r.area_name,
    name: r.name,
    role: r.role,
    phone: r.phone,
    channels: r.channels,
    active: r.active,
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function createContact(db: Kysely<Database>, contact: Omit<ContactRecord, 'active'>): Promise<ContactRecord> {
  const row = await db
    .insertInto('contact')
    .values({
      contact_id: contact.contactId,
      jurisdiction: contact.jurisdiction,
      area: contact.area,
      area_name: contact.areaName,
      name: contact.name,
      role: contact.role,
      phone: contact.phone,
      channels: JSON.stringify(contact.channels),
      active: true,
      updated_at: contact.updatedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return contactOf(row);
}

export async function findContact(db: Kysely<Database>, contactId: string): Promise<ContactRecord | null> {
  const row = await db.selectFrom('contact').selectAll().where('contact_id', '=', contactId).executeTakeFirst();
  return row ? contactOf(row) : null;
}

/** Changes the fields given (and the time of the change); the contact as it now stands. */
export async function updateContact(
  db: Kysely<Database>,
  contactId: string,
  change: { [K in 'area' | 'areaName' | 'name' | 'role' | 'phone' | 'channels' | 'active']?: ContactRecord[K] | undefined } & { updatedAt: string },
): Promise<ContactRecord> {
  const row = await db
    .updateTable('contact')
    .set({
      ...(change.area === undefined ? {} : { area: change.area }),
      ...(change.areaName === undefined ? {} : { area_name: change.areaName }),
      ...(change.name === undefined ? {} : { name: change.name }),
      ...(change.role === undefined ? {} : { role: change.role }),
      ...(change.phone === undefined ? {} : { phone: change.phone }),
      ...(change.channels === undefined ? {} : { channels: JSON.stringify(change.channels) }),
      ...(change.active === undefined ? {} : { active: change.active }),
      updated_at: change.updatedAt,
    })
    .where('contact_id', '=', contactId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return contactOf(row);
}

/** The contacts of the given counties (none when the list is empty), by county, area, role and name. */
export async function listContacts(db: Kysely<Database>, counties: readonly string[], filter: { role?: string | undefined; active: boolean | null }): Promise<ContactRecord[]> {
  if (counties.length === 0) return [];
  let query = db.selectFrom('contact').selectAll().where('jurisdiction', 'in', [...counties]);
  if (filter.role !== undefined) query = query.where('role', '=', filter.role);
  if (filter.active !== null) query = query.where('active', '=', filter.active);
  const rows = await query.orderBy('jurisdiction').orderBy('area').orderBy('role').orderBy('name').orderBy('contact_id').execute();
  return rows.map(contactOf);
}

/**
 * The active contacts a warning over `areas` reaches, of the roles named: a county code covers its
 * whole registry, a township or village code the contacts within it.
 */
export async function contactsCovering(db: Kysely<Database>, areas: readonly string[], roles: readonly string[]): Promise<ContactRecord[]> {
  if (areas.length === 0 || roles.length === 0) return [];
  const rows = await db
    .selectFrom('contact')
    .selectAll()
    .where('active', '=', true)
    .where('role', 'in', [...roles])
    .where((eb) => eb.or(areas.map((code) => (code.length === 6 ? eb('jurisdiction', '=', code) : eb('area', 'like', `${code}%`)))))
    .orderBy('area')
    .orderBy('role')
    .orderBy('name')
    .orderBy('contact_id')
    .execute();
  return rows.map(contactOf);
}
