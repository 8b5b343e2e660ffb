import { ActorSchema, UnauthorizedError, parseOrThrow } from '@muster/contracts';
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

  constructor(users: readonly UserRecord[]) {
    this.byName = new Map(parseOrThrow(UsersFileSchema, users, ['users']).map((u) => [u.username, u]));
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

/** Demo users of the embedded mode (password = username), one per room and role worth trying. */
const DEMO_USERS: readonly Omit<UserRecord, 'passwordHash'>[] = [
  { username: 'city-duty', name: '市应急值班员 City duty officer', roles: ['duty_officer'], jurisdiction: '441200' },
  { username: 'city-leader', name: '市应急局领导 City leader', roles: ['leader'], jurisdiction: '441200' },
  { username: 'dinghu-duty', name: '鼎湖区值班员 Dinghu duty officer', roles: ['duty_officer'], jurisdiction: '441203' },
  { username: 'huaiji-duty', name: '怀集县值班员 Huaiji duty officer', roles: ['duty_officer'], jurisdiction: '441224' },
  { username: 'sihui-duty', name: '四会市值班员 Sihui duty officer', roles: ['duty_officer'], jurisdiction: '441284' },
  { username: 'commander', name: '现场指挥官 On-scene commander', roles: ['responder'], jurisdiction: '441203' },
  { username: 'deputy', name: '副指挥官 Deputy commander', roles: ['responder'], jurisdiction: '441203' },
  { username: 'reviewer', name: '复盘评估员 Reviewer', roles: ['reviewer'], jurisdiction: '441200' },
];

export async function demoDirectory(): Promise<UserDirectory> {
  return new UserDirectory(await Promise.all(DEMO_USERS.map(async (u) => ({ ...u, passwordHash: await hashPassword(u.username) }))));
}
