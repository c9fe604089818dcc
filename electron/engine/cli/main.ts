/**
 * `portolan`: the scripting face of the engine (plain Node, no Electron).
 *
 * Exit codes: 0 success; 1 the work failed (unreadable or invalid input, store error);
 * 2 the command line is wrong (unknown command or flag, missing argument).
 */
import { defaultDbPath } from '../store/paths';
import { VERSION } from '../version';
import { UsageError } from './common';
import { cmdIngest } from './commands/ingest';
import { cmdServe } from './commands/serve';
import { cmdServices } from './commands/services';

const HELP = `portolan ${VERSION} — which hosts listen on which ports

Usage:
  portolan ingest FILE... [--db PATH] [--json]
      Read pcap/pcapng files; store flows and the listening services they reveal.
  portolan services [--db PATH] [--status new|approved|flagged|gone|all]
                    [--format table|tsv|csv|json]
      List the inventory (one row per host, proto, port).
  portolan serve [--port N] [--db PATH]
      Serve the app's UI and API on 127.0.0.1 (URL with a session token is printed).

The database defaults to ${defaultDbPath()} (or $PORTOLAN_DB).
Exit codes: 0 ok, 1 failed, 2 bad command line.
`;

/** Every command: one file in commands/, one line here. */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  ingest: cmdIngest,
  services: cmdServices,
  serve: cmdServe,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const run = COMMANDS[cmd];
  try {
    if (!run) throw new UsageError(`unknown command '${cmd}' (try 'portolan --help')`);
    return await run(rest);
  } catch (err) {
    const e = err as Error & { code?: string };
    const usage = e instanceof UsageError || (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS'));
    process.stderr.write(`portolan: ${usage ? 'usage' : 'error'}: ${e.message}\n`);
    return usage ? 2 : 1;
  }
}
