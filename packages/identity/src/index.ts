export { issueToken, createTokenVerifier, bearerToken } from './tokens';
export type { Identity, TokenVerifier } from './tokens';
export { hashPassword, verifyPassword } from './passwords';
export { UserDirectory, UsersFileSchema, demoDirectory } from './users';
export type { UserRecord } from './users';
export { signAckLink, verifyAckLink } from './ack-links';
