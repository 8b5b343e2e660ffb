import { Command } from 'commander';

/** `muster token` (main.ts): a signed token for development, from the running server's secret. */
export function tokenCommand(): Command {
  return new Command('token')
    .description("print a signed token for development (uses MUSTER_JWT_SECRET or the data directory's secret)")
    .requiredOption('--user <id>', 'user id')
    .option('--roles <roles>', 'comma-separated roles', 'duty_officer')
    .requiredOption('--jurisdiction <code>', 'jurisdiction code of the served tree (6 digits, 9 for a township)')
    .option('--name <name>', 'display name')
    .option('--ttl <seconds>', 'validity in seconds', '3600')
    .option('--create-secret', "create the data directory's secret when it has none (otherwise: an error saying where it looked)")
    .action(async (options: { user: string; roles: string; jurisdiction: string; name?: string; ttl: string; createSecret?: boolean }) => {
      const { developmentToken } = await import('./token');
      process.stdout.write(`${await developmentToken(options)}\n`);
    });
}

/** A bad variable, option or configuration file (jurisdictions, rules, users): its path and what is wrong, no stack, exit 2; anything else is thrown on. */
export async function exitOnInvalidConfiguration(error: unknown): Promise<never> {
  const { ValidationError } = await import('@muster/contracts');
  if (!(error instanceof ValidationError)) throw error;
  process.stderr.write(`muster: invalid configuration\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
  process.exit(2);
}
