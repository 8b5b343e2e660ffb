/**
 * The live path as the gateway's integration specs build it, as vitest fixtures on top of
 * @muster/testkit's `integrationTest` (database, engine, clock, in-process bus). Test code only.
 */
import { createTokenVerifier } from '@muster/identity';
import { TEST_JURISDICTIONS, TEST_JWT_SECRET } from '@muster/testkit';
import { integrationTest } from '@muster/testkit/fixtures';
import { startGateway, type GatewayOptions, type RunningGateway } from './gateway';
import { startTestRelay, TestConsole } from './test-harness';

/** Starts a gateway on the file's database and bus; `options` on top. */
export type LaunchGateway = (options?: Partial<GatewayOptions>) => Promise<RunningGateway>;
/** Opens a console on a gateway with `token` (as `?access_token=`). */
export type OpenConsole = (gateway: RunningGateway, token?: string, options?: { autoPong?: boolean }) => Promise<TestConsole>;

/** The verifier gateways in specs check tokens with: the test secret. */
export const testVerifier = createTokenVerifier({ secret: TEST_JWT_SECRET });

/**
 * `integrationTest` plus, all file-scoped and torn down in this order at the end of the file:
 * - `openConsole`: consoles opened through it are closed;
 * - `launchGateway`: gateways started through it (heartbeats every minute unless asked) are closed
 *   abruptly, as a crash would;
 * - `relay`: the harness relay publishing the file's committed log to its bus, stopped.
 */
export const gatewayTest = integrationTest
  .extend('relay', { scope: 'file' }, ({ database, bus }, { onCleanup }) => {
    const relay = startTestRelay(database.db, bus);
    onCleanup(() => relay.stop());
    return relay;
  })
  // Built after the relay (it names it), so gateways close before the relay stops.
  .extend('launchGateway', { scope: 'file' }, ({ database, bus, relay: _publishing }, { onCleanup }): LaunchGateway => {
    const started: RunningGateway[] = [];
    onCleanup(async () => {
      await Promise.all(started.map((g) => g.close({ abrupt: true })));
    });
    return async (options = {}) => {
      const g = await startGateway({ db: database.db, bus, jurisdictions: TEST_JURISDICTIONS, verifier: testVerifier, heartbeatIntervalMs: 60_000, ...options });
      started.push(g);
      return g;
    };
  })
  .extend('openConsole', { scope: 'file' }, ({ launchGateway: _gateways }, { onCleanup }): OpenConsole => {
    const opened: TestConsole[] = [];
    onCleanup(async () => {
      await Promise.all(opened.map((c) => c.close()));
    });
    return async (gateway, token, options = {}) => {
      const c = await TestConsole.open(gateway.url, { ...options, ...(token === undefined ? {} : { token }) });
      opened.push(c);
      return c;
    };
  });
