// `pnpm muster <command>` (issue 18). Plain JavaScript, like scripts/start.mjs.
//
// Every command runs from the server's bundle (scripts/bundle.mjs), made by esbuild when a source
// changed, with plain Node: through tsx, `muster token` took about 1.1 s, most of it tsx compiling
// and resolving each module the command needs on every run. Each command loads only its own chunks.
import { fileURLToPath } from 'node:url';
import { runServerModule } from './server-entry.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
await runServerModule(root, 'muster');
