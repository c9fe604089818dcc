/**
 * `portolan`: the scripting face of the engine (plain Node, no Electron).
 *
 * Exit codes: 0 success; 1 the work failed (unreadable or invalid input, store error);
 * 2 the command line is wrong (unknown command or flag, missing argument).
 */
import { defaultDbPath } from '../store/paths';
import { VERSION } from '../version';
import { ZodError } from 'zod';
import { invalidMessage, oneLine, UsageError } from './common';
import { CAPTURE_HELP, cmdCapture } from './commands/capture';
import { cmdFlows, FLOWS_HELP } from './commands/flows';
import { cmdImport, IMPORT_HELP } from './commands/import';
import { cmdIngest } from './commands/ingest';
import { cmdReview, REVIEW_HELP } from './commands/review';
import { cmdRules, RULES_HELP } from './commands/rules';
import { cmdScan, SCAN_HELP } from './commands/scan';
import { cmdServe } from './commands/serve';
import { cmdServices } from './commands/services';
import { cmdSnapshot, SNAPSHOT_HELP } from './commands/snapshot';
import { cmdTags } from './commands/tags';
import { cmdControl } from './commands/control';
import { CAPTURES_HELP, cmdCaptures } from './commands/captures';
import { cmdScans, SCANS_HELP } from './commands/scans';

const INGEST_HELP = `  portolan ingest FILE... [--protocols LIST] [--ignore LIST] [--db PATH] [--json]
      Read pcap/pcapng files; store flows and the listening services they reveal.
      Prints each file's capture id (flows --capture N, capture:N sources).`;

const SERVICES_HELP = `  portolan services [--db PATH]
                    [--status new|approved|flagged|gone|ignored|all|listening]
                    [--since ISO|DURATION] [--host A] [--subnet CIDR] [--port N]
                    [--proto P] [--insecure] [--format table|tsv|csv|json|jsonl]
      List the inventory (one row per host, proto, port). --since: when Portolan first
      stored it (first_stored), not the packet time shown as FIRST SEEN;
      --status listening: every status but gone.`;

const TAGS_HELP = `  portolan tags add|remove TAG HOST|CIDR... | portolan tags list [--format table|tsv|json]
      Scope tags on hosts (CDE, BES Cyber System); snapshot save --scope tag:CDE.`;

const CONTROL_HELP = `  portolan control HOST:PORT/PROTO... --note TEXT
      Record the compensating control of an insecure service (PCI DSS 1.2.6);
      --note '' clears it. On a service not marked insecure it warns and records it.`;

const SERVE_HELP = `  portolan serve [--port N] [--db PATH]
      Serve the app's UI and API on 127.0.0.1 (URL with a session token is printed).`;

/** Each command's help, in the order the global help lists them. */
const COMMAND_HELP: Record<string, string> = {
  ingest: INGEST_HELP,
  capture: CAPTURE_HELP,
  captures: CAPTURES_HELP,
  flows: FLOWS_HELP,
  services: SERVICES_HELP,
  import: IMPORT_HELP,
  review: REVIEW_HELP,
  rules: RULES_HELP,
  tags: TAGS_HELP,
  control: CONTROL_HELP,
  serve: SERVE_HELP,
  scan: SCAN_HELP,
  scans: SCANS_HELP,
  snapshot: SNAPSHOT_HELP,
};

const FOOTER = `The database defaults to ${defaultDbPath()} (or $PORTOLAN_DB).
Exit codes: 0 ok, 1 failed, 2 bad command line; a scan or ingest stopped by Ctrl-C
exits 130, by SIGTERM 143 (what it stored is kept).
`;

const HELP = `portolan ${VERSION} — which hosts listen on which ports

Usage:
${Object.values(COMMAND_HELP).join('\n')}

'portolan COMMAND --help' (or 'portolan help COMMAND') shows one command's help.
${FOOTER}`;

/** `portolan CMD --help`: that command's usage only. */
function commandHelp(cmd: string): string {
  return `Usage:\n${COMMAND_HELP[cmd]}\n\n${FOOTER}`;
}

/** Every command: one file in commands/, one line here. */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  ingest: cmdIngest,
  capture: cmdCapture,
  flows: cmdFlows,
  services: cmdServices,
  serve: cmdServe,
  import: cmdImport,
  review: cmdReview,
  rules: cmdRules,
  scan: cmdScan,
  snapshot: cmdSnapshot,
  tags: cmdTags,
  control: cmdControl,
  captures: cmdCaptures,
  scans: cmdScans,
};

/**
 * `portolan services | head -1`: once the reader has gone, the next write fails with
 * EPIPE (Node ignores SIGPIPE), which unhandled is a stack trace and exit 1. The output
 * is no longer wanted: the rest of it is dropped, quietly, and the command ends with its
 * own exit code (`snapshot diff … | head -1` still says 1, different, to a shell with
 * pipefail). Any other failure to write the output (a full disk) is one line and exit 1.
 */
function endQuietlyOnClosedOutput(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      process.stdout.write = (() => true) as typeof process.stdout.write;
      return;
    }
    process.stderr.write(`portolan: error: cannot write the output: ${oneLine(err.message)}\n`);
    process.exit(1);
  });
  // Nothing can be said on a closed stderr: its EPIPE is dropped rather than thrown.
  process.stderr.on('error', () => undefined);
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedOutput();
  const [cmd, ...rest] = argv;
  if (cmd === 'help' && rest[0] && COMMAND_HELP[rest[0]]) {
    process.stdout.write(commandHelp(rest[0]));
    return 0;
  }
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const run = COMMANDS[cmd];
  // `portolan CMD --help` shows that command's help, whatever the command's own flags are.
  if (run && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(COMMAND_HELP[cmd] ? commandHelp(cmd) : HELP);
    return 0;
  }
  try {
    if (!run) throw new UsageError(`unknown command '${cmd}' (try 'portolan --help')`);
    return await run(rest);
  } catch (err) {
    const e = err as Error & { code?: string };
    // A value the contract's schemas refuse is a wrong command line, said in one line.
    const zod = err instanceof ZodError || (e.name === 'ZodError' && Array.isArray((e as { issues?: unknown }).issues));
    const invalid = zod || e.name === 'InvalidInput';
    const usage = invalid || e instanceof UsageError || (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS'));
    const message = zod ? invalidMessage(err as ZodError) : e.message;
    process.stderr.write(`portolan: ${usage ? 'usage' : 'error'}: ${oneLine(message)}\n`);
    return usage ? 2 : 1;
  }
}
