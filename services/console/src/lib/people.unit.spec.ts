import type { DirectoryPerson } from '@muster/client';
import { describe, expect, it } from 'vitest';
import { peopleOptions, pickPerson, uniquePeople } from './people';

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
