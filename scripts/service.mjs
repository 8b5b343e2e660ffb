// `pnpm service <api|relay|gateway|timers>`: one of Muster's services alone, as the systemd units and
// the compose file run them (infra/README.md), from the server's bundle (scripts/bundle.mjs) with
// plain Node. Plain JavaScript, like scripts/muster.mjs.
import { fileURLToPath } from 'node:url';
import { runServerModule } from './server-entry.mjs';

const SERVICES = ['api', 'relay', 'gateway', 'timers'];
const name = process.argv[2] ?? '';
if (!SERVICES.includes(name)) {
  process.stderr.write(`usage: pnpm service <${SERVICES.join('|')}>${name ? ` (not a service: ${name})` : ''}\n`);
  process.exit(2);
}
// The api's cluster workers run this script again with the same arguments (node:cluster).
await runServerModule(fileURLToPath(new URL('..', import.meta.url)), name);
