import { ValidationError } from '@muster/contracts';
import { describe, expect, it } from 'vitest';
import { gatewayEnv } from './config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/muster',
  NATS_URL: 'nats://127.0.0.1:4222',
  MUSTER_JWT_SECRET: 'a-secret-of-at-least-thirty-two-characters',
};

describe('gateway environment', () => {
  it('fills defaults that match the relay', () => {
    expect(gatewayEnv(base)).toMatchObject({
      NATS_URL: ['nats://127.0.0.1:4222'],
      NATS_SUBJECT_PREFIX: 'muster',
      NATS_STREAM: 'MUSTER_EVENTS',
      HOST: '127.0.0.1',
      PORT: 8081,
      GATEWAY_MAX_BUFFERED_BYTES: 1024 * 1024,
    });
  });

  it('caps sockets per user at 8 unless told otherwise, and refuses a cap below 1', () => {
    expect(gatewayEnv(base).GATEWAY_MAX_SOCKETS_PER_USER).toBe(8);
    expect(gatewayEnv({ ...base, GATEWAY_MAX_SOCKETS_PER_USER: '100' }).GATEWAY_MAX_SOCKETS_PER_USER).toBe(100);
    expect(() => gatewayEnv({ ...base, GATEWAY_MAX_SOCKETS_PER_USER: '0' })).toThrow(/GATEWAY_MAX_SOCKETS_PER_USER/);
  });

  it('takes a comma-separated NATS cluster', () => {
    expect(gatewayEnv({ ...base, NATS_URL: 'nats://a:4222, nats://b:4222' }).NATS_URL).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      gatewayEnv({ DATABASE_URL: 'http://x', NATS_URL: '', PORT: '70000', NATS_SUBJECT_PREFIX: 'a.>', GATEWAY_MAX_BUFFERED_BYTES: '10' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const paths = error instanceof ValidationError ? error.issues.map((i) => i.path).sort() : [];
    expect(paths).toEqual(['env.DATABASE_URL', 'env.GATEWAY_MAX_BUFFERED_BYTES', 'env.MUSTER_JWT_SECRET', 'env.NATS_SUBJECT_PREFIX', 'env.NATS_URL', 'env.PORT']);
  });

  it('needs a way to check tokens: a secret of 32+ characters or a JWKS URL', () => {
    const { MUSTER_JWT_SECRET: _secret, ...noSecret } = base;
    expect(() => gatewayEnv(noSecret)).toThrow(/MUSTER_JWT_SECRET or MUSTER_JWKS_URL/);
    expect(() => gatewayEnv({ ...base, MUSTER_JWT_SECRET: 'short' })).toThrow(/at least 32 characters/);
    expect(gatewayEnv({ ...noSecret, MUSTER_JWKS_URL: 'https://idp.example/.well-known/jwks.json' }).MUSTER_JWKS_URL).toBe('https://idp.example/.well-known/jwks.json');
  });
});
