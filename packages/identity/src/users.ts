import { ActorSchema, UnauthorizedError, ValidationError, parseOrThrow } from '@muster/contracts';
import type { Actor } from '@muster/domain';
import { z } from 'zod';
import { hashPassword, verifyPassword } from './passwords';

const UserRecordSchema = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/),
  name: z.string().min(1).max(200),
  passwordHash: z.string().startsWith('scrypt$'),
  roles: ActorSchema.shape.roles,
  jurisdiction: ActorSchema.shape.jurisdiction,
});
export type UserRecord = z.infer<typeof UserRecordSchema>;
export const UsersFileSchema = z.array(UserRecordSchema);

/** Configured users who log in with a password (deployments with an identity provider use JWKS instead). */
export class UserDirectory {
  private readonly byName: Map<string, UserRecord>;
  // Compared against when the user does not exist, so that timing does not reveal who exists.
  private readonly decoy: Promise<string> = hashPassword('decoy');

  /**
   * `knownJurisdiction` (the served tree's `has`): a user of a room outside the tree is refused here,
   * at start, rather than logging in to a token every service refuses. `source` names the records in
   * errors (the file they came from).
   */
  constructor(users: readonly UserRecord[], options: { knownJurisdiction?: (code: string) => boolean; source?: string } = {}) {
    const source = options.source ?? 'users';
    const parsed = parseOrThrow(UsersFileSchema, users, [source]);
    const { knownJurisdiction } = options;
    if (knownJurisdiction) {
      const outside = parsed.flatMap((u, i) => (knownJurisdiction(u.jurisdiction) ? [] : [{ path: `${source}.${i}.jurisdiction`, message: `unknown jurisdiction ${u.jurisdiction}: not in the served tree` }]));
      if (outside.length > 0) throw new ValidationError(outside);
    }
    this.byName = new Map(parsed.map((u) => [u.username, u]));
  }

  async authenticate(username: string, password: string): Promise<Actor & { name: string }> {
    const user = this.byName.get(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.decoy));
    if (!user || !ok) throw new UnauthorizedError('unknown user or wrong password');
    return { userId: user.username, roles: user.roles, jurisdiction: user.jurisdiction, name: user.name };
  }

  list(): Omit<UserRecord, 'passwordHash'>[] {
    return [...this.byName.values()].map(({ passwordHash: _hash, ...rest }) => rest);
  }
}

/** Demo users of the embedded mode (password = username), one per room and role worth trying; the README lists them. */
const DEMO_USERS: readonly Omit<UserRecord, 'passwordHash'>[] = [
  { username: 'province-duty', name: '广东省应急管理厅值班室值班员 Province duty officer', roles: ['duty_officer'], jurisdiction: '440000' },
  { username: 'province-leader', name: '广东省应急管理厅领导 Province leader', roles: ['leader'], jurisdiction: '440000' },
  { username: 'city-duty', name: '市应急值班员 City duty officer', roles: ['duty_officer'], jurisdiction: '441200' },
  { username: 'city-leader', name: '市应急局领导 City leader', roles: ['leader'], jurisdiction: '441200' },
  { username: 'dinghu-duty', name: '鼎湖区值班员 Dinghu duty officer', roles: ['duty_officer'], jurisdiction: '441203' },
  // The county's leader approves its warnings before release (粤府办〔2008〕19号, WARNING_APPROVAL_RULES).
  { username: 'dinghu-leader', name: '鼎湖区应急管理局领导 Dinghu leader', roles: ['leader'], jurisdiction: '441203' },
  { username: 'huaiji-duty', name: '怀集县值班员 Huaiji duty officer', roles: ['duty_officer'], jurisdiction: '441224' },
  { username: 'sihui-duty', name: '四会市值班员 Sihui duty officer', roles: ['duty_officer'], jurisdiction: '441284' },
  { username: 'commander', name: '现场指挥官 On-scene commander', roles: ['responder'], jurisdiction: '441203' },
  { username: 'deputy', name: '副指挥官 Deputy commander', roles: ['responder'], jurisdiction: '441203' },
  { username: 'reviewer', name: '复盘评估员 Reviewer', roles: ['reviewer'], jurisdiction: '441200' },
];

/**
 * The demo users whose room the served tree has (`knownJurisdiction`; all of them without it): a
 * deployment that loads another tree keeps only those of its rooms. Each password is the user name;
 * `hashFor` gives its hash (by default a fresh scrypt hash: ten of them take a noticeable part of a
 * start, so `muster start` passes hashes kept in its data directory, issue 18).
 */
export async function demoDirectory(knownJurisdiction?: (code: string) => boolean, hashFor: (username: string) => Promise<string> = hashPassword): Promise<UserDirectory> {
  const users = DEMO_USERS.filter((u) => knownJurisdiction?.(u.jurisdiction) ?? true);
  return new UserDirectory(await Promise.all(users.map(async (u) => ({ ...u, passwordHash: await hashFor(u.username) }))));
}
