import type { DirectoryPerson, MusterHttpClient } from '@muster/client';
import { useEffect, useState } from 'react';
import type { FieldSpec } from './command-form';
import type { MessageKey } from './i18n';
import { keep, kept } from './offline-store';
import { useApp } from './session';

/** A person as the scene commands name one (commander, deputy, representative). */
export interface PersonChoice {
  userId: string;
  name: string;
}

/**
 * The people of these rooms (GET /people, one read per room), for pickers that name people. A room
 * the caller may not read answers 403 and adds nobody. With JWKS-only logins there is no directory:
 * `people` stays empty once `loaded`, and forms ask for a name and a login name instead.
 */
export function usePeople(jurisdictions: readonly string[]): { people: DirectoryPerson[]; loaded: boolean } {
  const { client } = useApp();
  const [state, setState] = useState<{ key: string; people: DirectoryPerson[] } | null>(null);
  const key = [...new Set(jurisdictions)].sort().join(',');
  useEffect(() => {
    let live = true;
    void readPeople(client, key === '' ? [] : key.split(',')).then((people) => {
      if (live) setState({ key, people });
    });
    return () => {
      live = false;
    };
  }, [client, key]);
  return state?.key === key ? { people: state.people, loaded: true } : { people: [], loaded: false };
}

async function readPeople(client: MusterHttpClient, rooms: readonly string[]): Promise<DirectoryPerson[]> {
  const answers = await Promise.all(
    rooms.map((jurisdiction) =>
      client.call('people', { query: { jurisdiction } }).then(
        (a) => {
          void keep('people', a.items, jurisdiction).catch(() => undefined);
          return a.items;
        },
        // No network (the phone app, issue 20): the room's people as this device last read them.
        async () => (await kept('people', jurisdiction).catch(() => undefined)) ?? [],
      ),
    ),
  );
  return uniquePeople(answers.flat());
}

/** Each person once (rooms asked for overlap when one lies below another), in the order first seen. */
export function uniquePeople(people: readonly DirectoryPerson[]): DirectoryPerson[] {
  const seen = new Set<string>();
  return people.filter((p) => !seen.has(p.userId) && Boolean(seen.add(p.userId)));
}

/**
 * Select options naming people, never by login id: people already in a post (`exclude`) are left
 * out; two people of one name are told apart by their place in the list, numbered.
 */
export function peopleOptions(people: readonly DirectoryPerson[], exclude: readonly string[] = []): { value: string; label: string }[] {
  const left = people.filter((p) => !exclude.includes(p.userId));
  const count = new Map<string, number>();
  for (const p of left) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  const nth = new Map<string, number>();
  return left.map((p) => {
    if ((count.get(p.name) ?? 0) < 2) return { value: p.userId, label: p.name };
    const n = (nth.get(p.name) ?? 0) + 1;
    nth.set(p.name, n);
    return { value: p.userId, label: `${p.name}（${n}）` };
  });
}

/** The person picked by login id, as a scene command names them; undefined when nobody is picked. */
export function pickPerson(people: readonly DirectoryPerson[], userId: string | undefined): PersonChoice | undefined {
  const found = people.find((p) => p.userId === userId);
  return found ? { userId: found.userId, name: found.name } : undefined;
}

/**
 * The inputs naming one person in a command form: a picker by name when the directory has people,
 * else a name and a login name typed (JWKS-only deployments). `withPeople` turns the pick into the
 * person the command names.
 */
export function personFields(name: string, label: MessageKey, people: readonly DirectoryPerson[], exclude: readonly string[] = []): FieldSpec[] {
  if (people.length > 0) return [{ name, label, kind: 'select', options: peopleOptions(people, exclude) }];
  return [
    { name: `${name}.name`, label: 'personName', kind: 'text' },
    { name: `${name}.userId`, label: 'personLogin', kind: 'text' },
  ];
}

/**
 * Reshapes a form's payload before it is checked: each of `names` picked from the list (a login id)
 * becomes `{ userId, name }`. A typed person (no directory) is already that shape and stays; nothing
 * picked stays absent, so the schema names the field.
 */
export function withPeople(people: readonly DirectoryPerson[], names: readonly string[]): (payload: Record<string, unknown>) => Record<string, unknown> {
  return (payload) => {
    const out = { ...payload };
    for (const name of names) {
      const value = out[name];
      if (typeof value === 'string') out[name] = pickPerson(people, value) ?? value;
    }
    return out;
  };
}
