/**
 * `muster token` alone: the entry scripts/muster.mjs bundles (esbuild) and runs with plain Node, so
 * the command answers without tsx compiling the modules it needs on every run (issue 18: ≤ 1 s).
 */
import { Command } from 'commander';
import { exitOnInvalidConfiguration, tokenCommand } from './token-command';

const program = new Command('muster').description('Muster incident command engine');
program.addCommand(tokenCommand());
try {
  await program.parseAsync(process.argv);
} catch (error) {
  await exitOnInvalidConfiguration(error);
}
