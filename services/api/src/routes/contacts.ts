import { ContactListQuerySchema, ContactSchema, ContactUpdateSchema, EmptyBodySchema, ValidationError, parseOrThrow } from '@muster/contracts';
import { jurisdictionsWithin } from '@muster/engine';
import { createContact, listContacts, updateContact, type ContactRecord } from '@muster/store-postgres';
import { actorOf } from '../identity';
import type { RouteContext } from './access';

/**
 * The contact registry (通讯录, issue 21): the people a warning must reach, kept per county by its room
 * and the rooms above it (the city keeps all; no county another's). Who may read and keep is the
 * catalog's rule, checked before these handlers run (routes/access.ts).
 */
export function registerContactRoutes({ serve, db, tree, clock, newId }: RouteContext): void {
  const view = (contact: ContactRecord) => ({ ...contact, jurisdictionName: tree.get(contact.jurisdiction)?.name ?? contact.jurisdiction });

  /** A township or village code lies within its county (its first six digits). */
  function checkArea(jurisdiction: string, area: string | undefined): void {
    if (area !== undefined && area.slice(0, 6) !== jurisdiction) throw new ValidationError([{ path: 'area', message: `must be a township or village of ${jurisdiction}` }]);
  }

  serve('listContacts', async (request) => {
    const query = parseOrThrow(ContactListQuerySchema, request.query, ['query']);
    const actor = actorOf(request);
    const counties = actor.roles.length === 0 ? [] : jurisdictionsWithin(tree, query.jurisdiction ?? actor.jurisdiction);
    const active = query.active === 'all' ? null : query.active === 'true';
    return { items: (await listContacts(db, counties, { role: query.role, active })).map(view) };
  });

  serve('createContact', async (request, reply) => {
    const body = parseOrThrow(ContactSchema, request.body);
    checkArea(body.jurisdiction, body.area);
    const contact = await createContact(db, { ...body, contactId: `ct-${newId()}`, updatedAt: clock.now().toISOString() });
    return reply.status(201).send(view(contact));
  });

  serve('updateContact', async (request, _reply, contact) => {
    const body = parseOrThrow(ContactUpdateSchema, request.body);
    checkArea(contact.jurisdiction, body.area);
    return view(await updateContact(db, contact.contactId, { ...body, updatedAt: clock.now().toISOString() }));
  });

  serve('deactivateContact', async (request, _reply, contact) => {
    parseOrThrow(EmptyBodySchema, request.body ?? {});
    return view(await updateContact(db, contact.contactId, { active: false, updatedAt: clock.now().toISOString() }));
  });
}
