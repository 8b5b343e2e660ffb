import type { DirectoryPerson } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { peopleOptions, personFields, pickPerson, uniquePeople, withPeople } from './people';

const person = (userId: string, name: string, jurisdiction = '441203'): DirectoryPerson => ({ userId, name, roles: ['responder'], jurisdiction });
const commander = person('commander', '现场指挥官');
const deputy = person('deputy', '副指挥官');

describe('people pickers', () => {
  it('options name people, never by login id, and leave out those already in a post', () => {
    expect(peopleOptions([commander, deputy])).toStrictEqual([
      { value: 'commander', label: '现场指挥官' },
      { value: 'deputy', label: '副指挥官' },
    ]);
    expect(peopleOptions([commander, deputy], ['commander'])).toStrictEqual([{ value: 'deputy', label: '副指挥官' }]);
  });

  it('two people of one name are numbered, not shown by id', () => {
    const labels = peopleOptions([person('a', '王伟'), person('b', '王伟'), deputy]).map((o) => o.label);
    expect(labels).toStrictEqual(['王伟（1）', '王伟（2）', '副指挥官']);
  });

  it('a pick becomes the person a scene command names; nothing picked is undefined', () => {
    expect(pickPerson([commander, deputy], 'deputy')).toStrictEqual({ userId: 'deputy', name: '副指挥官' });
    expect(pickPerson([commander], '')).toBeUndefined();
    expect(pickPerson([commander], undefined)).toBeUndefined();
  });

  it('each person once when rooms overlap', () => {
    expect(uniquePeople([commander, deputy, person('commander', '现场指挥官', '441200')]).map((p) => p.userId)).toStrictEqual(['commander', 'deputy']);
  });
});

describe('person inputs of a command form', () => {
  it('a picker when the directory has people; a name and a login name typed when it has none', () => {
    expect(personFields('commander', 'commander', [commander, deputy], ['deputy'])).toStrictEqual([
      { name: 'commander', label: 'commander', kind: 'select', options: [{ value: 'commander', label: '现场指挥官' }] },
    ]);
    expect(personFields('deputy', 'deputy', []).map((f) => [f.name, f.kind])).toStrictEqual([
      ['deputy.name', 'text'],
      ['deputy.userId', 'text'],
    ]);
  });

  it('the pick becomes the person; typed people stay; nothing picked stays absent', () => {
    const prepare = withPeople([commander, deputy], ['commander', 'representative']);
    expect(prepare({ commander: 'commander', agency: '消防' })).toStrictEqual({ commander: { userId: 'commander', name: '现场指挥官' }, agency: '消防' });
    expect(prepare({ representative: { userId: 'x1', name: '李明' } })).toStrictEqual({ representative: { userId: 'x1', name: '李明' } });
    expect(prepare({})).toStrictEqual({});
  });
});
