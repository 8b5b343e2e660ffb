export { issueToken, createTokenVerifier, bearerToken, TOKEN_ISSUER, TOKEN_AUDIENCE } from './tokens';
export type { Identity, IssueOptions, VerifierOptions, TokenVerifier } from './tokens';
export { hashPassword, verifyPassword } from './passwords';
export { UserDirectory, UserRecordSchema, UsersFileSchema, DEMO_USERS, demoDirectory } from './users';
export type { UserRecord } from './users';
