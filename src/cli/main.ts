/**
 * The `gatehouse` command line: a thin edge over commander. Each command lives in its own file and
 * is loaded only when run; typed errors map to exit codes here (0 ok, 1 a check failed, 2 usage or
 * configuration error).
 */
import { Command, CommanderError, Option } from 'commander';
import { GatehouseError } from '../errors/catalog.js';
import { EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, processIo, type Io } from './io.js';

const CHECK_FAILURES = new Set(['POLICY_TEST_FAILED', 'AUDIT_CHAIN_BROKEN']);
/** A rule refused the person (approvals): exit 1, like a failed check, not a usage error. */
const REFUSALS = new Set(['ROLLBACK_REFUSED', 'POLICY_DENIED', 'ADMIN_AUTH_INVALID', 'APPROVAL_FORBIDDEN', 'APPROVAL_EXPIRED', 'APPROVAL_ALREADY_DECIDED', 'APPROVAL_EDIT_INVALID']);

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (err instanceof GatehouseError) {
      io.err(`gatehouse: ${err.code}: ${err.message}\n`);
      return CHECK_FAILURES.has(err.code) || REFUSALS.has(err.code) ? EXIT_CHECK_FAILED : EXIT_USAGE;
    }
    io.err(`gatehouse: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('gatehouse')
    .description('MCP gateway between AI agents and your systems: identities, policy, approvals, audit.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();
  const configOption = () => new Option('-c, --config <file>', 'configuration file').default('./gatehouse.yaml');
  const run = (load: () => Promise<(opts: never) => Promise<number>>) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const options = { ...command.optsWithGlobals(), args: command.args };
    setExit(await (await load())(options as never));
  };

  program.command('init').description('scaffold gatehouse.yaml, a policy file and a docs folder')
    .argument('[dir]', 'folder to create the files in', '.')
    .option('--force', 'overwrite existing files')
    .action(run(async () => (await import('./init.js')).initCommand(io)));

  program.command('serve').description('run the gateway (MCP over Streamable HTTP at /mcp)')
    .addOption(configOption()).option('--listen <host:port>', 'override server.listen')
    .action(run(async () => (await import('./serve.js')).serveCommand(io)));

  program.command('stdio').description('serve one agent over stdio (key from GATEHOUSE_AGENT_KEY)')
    .addOption(configOption())
    .action(run(async () => (await import('./stdio.js')).stdioCommand(io)));

  program.command('demo').description('run a demo workspace: sample documents, a CRM, a local API, an agent, the gateway')
    .option('--walkthrough', 'drive an MCP client through the demo steps and exit')
    .option('--dir <dir>', 'workspace folder (default: a new temporary folder)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '7420')
    .action(run(async () => (await import('./demo.js')).demoCommand(io)));

  const agent = program.command('agent').description('manage agent identities and keys');
  agent.command('create').argument('<name>').description('issue a key for a declared agent (shown once)')
    .addOption(configOption()).option('--expires <duration>', 'key lifetime, e.g. 30d').option('--json', 'JSON output')
    .action(run(async () => (await import('./agent.js')).agentCreate(io)));
  agent.command('list').description('list agents and their key status')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./agent.js')).agentList(io)));
  agent.command('rotate').argument('<name>').description('issue a new key and revoke the old ones')
    .addOption(configOption()).option('--expires <duration>', 'key lifetime, e.g. 30d').option('--json', 'JSON output')
    .action(run(async () => (await import('./agent.js')).agentRotate(io)));
  agent.command('revoke').argument('<name>').description('revoke every key of an agent, effective on the next call')
    .addOption(configOption()).option('--reason <text>', 'why, for the audit trail').option('--json', 'JSON output')
    .action(run(async () => (await import('./agent.js')).agentRevoke(io)));

  const admin = program.command('admin').description('credentials of the people declared under admins: (approvers, administrators, auditors)');
  admin.command('password').argument('<name>').description('set a password (admin API sign-in); read from stdin, never from arguments')
    .addOption(configOption()).option('--json', 'JSON output')
    // Extra arguments reach the command, which refuses them without echoing a value.
    .allowExcessArguments().allowUnknownOption()
    .action(run(async () => (await import('./admin.js')).adminPassword(io)));
  admin.command('token').argument('<name>').description('issue an API token (shown once)')
    .addOption(configOption()).option('--expires <duration>', 'token lifetime, e.g. 30d').option('--json', 'JSON output')
    .action(run(async () => (await import('./admin.js')).adminToken(io)));
  admin.command('revoke').argument('<name>').description('revoke every token of a person, effective on the next request')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./admin.js')).adminRevoke(io)));
  admin.command('list').description('declared people with role, groups, password and active tokens')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./admin.js')).adminList(io)));

  const approvals = program.command('approvals').description('list and decide held requests (as the person whose token is in GATEHOUSE_ADMIN_TOKEN)');
  approvals.command('list').description('requests, newest first (default: those awaiting a decision)')
    .addOption(configOption()).option('--status <statuses>', 'comma-separated statuses, or "all"', 'pending,draft')
    .option('--limit <n>', 'most requests to show (1-500)', '50').option('--json', 'JSON output')
    .action(run(async () => (await import('./approvals.js')).approvalsList(io)));
  approvals.command('show').argument('<id>').description('one request with its arguments, decision and outcome')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./approvals.js')).approvalsShow(io)));
  for (const [action, what] of [['approve', 'approve a pending request'], ['send', 'send a draft']] as const) {
    approvals.command(action).argument('<id>').description(`${what}; a running gateway executes it within a second`)
      .addOption(configOption()).option('--reason <text>', 'why, for the trail')
      .option('--edit <file.json>', 'run these arguments instead (a JSON object)')
      .option('--set <path=value...>', 'change one argument (value as JSON, else text); repeatable')
      .option('--json', 'JSON output')
      .action(run(async () => (await import('./approvals.js')).approvalsDecide(io, action)));
  }
  approvals.command('reject').argument('<id>').description('reject a pending request; the agent is told the reason')
    .addOption(configOption()).requiredOption('--reason <text>', 'why (shown to the agent)').option('--json', 'JSON output')
    .action(run(async () => (await import('./approvals.js')).approvalsDecide(io, 'reject')));
  approvals.command('discard').argument('<id>').description('discard a draft; nothing is sent')
    .addOption(configOption()).option('--reason <text>', 'why, for the trail').option('--json', 'JSON output')
    .action(run(async () => (await import('./approvals.js')).approvalsDecide(io, 'discard')));

  program.command('rollback').argument('<audit-id>').description('undo what one audited call changed (SQL from before-images, HTTP by its compensating operation)')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./rollback.js')).rollbackCommand(io)));

  const connector = program.command('connector').description('inspect, pause and review connectors');
  connector.command('list').description('connectors with state and health')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./connector.js')).connectorList(io)));
  connector.command('pause').argument('<name>').description('stop all calls through a connector, effective on the next call')
    .addOption(configOption()).option('--reason <text>', 'why, for the audit trail').option('--json', 'JSON output')
    .action(run(async () => (await import('./connector.js')).connectorPause(io)));
  connector.command('resume').argument('<name>').description('allow calls through a paused connector again')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./connector.js')).connectorResume(io)));
  connector.command('review').argument('<name>').description("compare an mcp connector's upstream tools with their approved definitions; approve to re-pin")
    .addOption(configOption()).option('--approve', 'approve and re-pin every pending change without asking').option('--json', 'JSON output')
    .action(run(async () => (await import('./connector-review.js')).connectorReview(io)));

  const secret = program.command('secret').description('manage encrypted connector credentials, referenced as ${secret:NAME}');
  secret.command('set').argument('<name>').description('encrypt and store a secret; the value is read from stdin, never from arguments')
    .addOption(configOption()).option('--json', 'JSON output')
    // Extra arguments and unknown options reach the command, which refuses them without echoing a value.
    .allowExcessArguments().allowUnknownOption()
    .action(run(async () => (await import('./secret.js')).secretSet(io)));
  secret.command('list').description('secret names, versions, master key ids and update times (never values)')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./secret.js')).secretList(io)));
  secret.command('delete').argument('<name>').description('delete a secret; connectors using it fail within the cache time')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./secret.js')).secretDelete(io)));

  const policy = program.command('policy').description('validate and test Cedar policies');
  policy.command('validate').description('check every policy against the schema')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./policy-validate.js')).policyValidateCommand(io)));
  policy.command('test').argument('<cases>', 'YAML table of requests and expected decisions').description('run a case table; exit 1 on any mismatch')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./policy-test.js')).policyTestCommand(io)));
  policy.command('schema').description('print the Cedar schema generated from the configuration')
    .addOption(configOption())
    .action(run(async () => (await import('./policy-schema.js')).policySchemaCommand(io)));

  program.command('scan').description('run the guards over sample text from stdin; one JSON line of findings per input')
    .option('--detectors <list>', 'comma-separated: injection,pii,secrets (default: all)')
    .option('--jsonl', 'read JSON lines with a "text" field (and optional "id") instead of one plain text')
    .option('--connector <name>', "use this connector's guard settings from the configuration (default: the defaults)")
    .option('--direction <dir>', 'output (results, default) or input (tool arguments)')
    .addOption(configOption())
    .action(run(async () => (await import('./scan.js')).scanCommand(io)));

  const audit = program.command('audit').description('inspect and verify the audit trail');
  audit.command('verify').description('recompute the hash chain and checkpoint signatures; exit 1 on tampering')
    .addOption(configOption()).option('--json', 'JSON output')
    .option('--file <export.jsonl>', 'verify an export offline instead of the store')
    .option('--public-key <pem>', 'trust only this checkpoint signing key')
    .action(run(async () => (await import('./audit.js')).auditVerifyCommand(io)));
  audit.command('tail').description('show the newest records')
    .addOption(configOption()).option('-n, --lines <n>', 'how many', '20').option('--json', 'JSON output')
    .action(run(async () => (await import('./audit.js')).auditTailCommand(io)));
  audit.command('show').argument('<id>').description('show one record')
    .addOption(configOption()).option('--json', 'JSON output')
    .action(run(async () => (await import('./audit.js')).auditShowCommand(io)));
  audit.command('export').description('export the trail for offline verification')
    .addOption(configOption()).addOption(new Option('--format <format>', 'output format').choices(['jsonl']).default('jsonl'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(run(async () => (await import('./audit.js')).auditExportCommand(io)));

  return program;
}
