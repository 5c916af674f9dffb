/**
 * `gatehouse admin password|token|revoke|list`: credentials of the people declared under `admins:`.
 *
 * A password is read from standard input only (piped, one trailing newline stripped, or typed twice
 * at a hidden prompt); one on the command line is refused, because shell history and the process
 * list would keep it. A token is printed once; the store keeps only hashes of both.
 */
import { declaredAdmin, issueAdminToken, listAdmins, revokeAdminTokens, setAdminPassword } from '../admin/admin-accounts.js';
import { MAX_PASSWORD_LENGTH, passwordProblem } from '../admin/admin-passwords.js';
import { GatehouseError } from '../errors/catalog.js';
import { printResult, table, withAdmin } from './admin-context.js';
import { EXIT_OK, type Io } from './io.js';
import { processSecretInput, type SecretInput } from './secret.js';

interface AdminOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean;
  readonly expires?: string;
}

const TOKEN_NOTICE = 'Store this token now: it is shown once and only its hash is kept. '
  + 'Use it as GATEHOUSE_ADMIN_TOKEN for `gatehouse approvals`, or as "Authorization: Bearer <token>" on the admin API.';

/** `admin password NAME`: set the password of a declared administrator from stdin. */
export function adminPassword(io: Io, input: SecretInput = processSecretInput) {
  return async (o: AdminOptions): Promise<number> => {
    if (o.args.length !== 1) {
      throw new GatehouseError('USAGE', '`admin password` takes the NAME only; it reads the new password from standard input '
        + '(pipe it in, or type it at the hidden prompt). Passwords on the command line stay in shell history and the process list, '
        + 'so they are refused and nothing was changed.');
    }
    const name = o.args[0]!;
    return withAdmin(o.config, async (ctx) => {
      declaredAdmin(ctx.config, name);
      const password = await readPassword(input, io, name);
      await setAdminPassword(ctx.store, ctx.config, name, password);
      await ctx.recordAdmin('admin_password', { status: 'ok', target: name });
      printResult(io, o.json, { name, passwordSet: true },
        `Password set for ${name}. It signs in to the admin API with HTTP Basic; the approvals commands use a token (gatehouse admin token NAME).`);
      return EXIT_OK;
    });
  };
}

/** `admin token NAME [--expires 30d]`: issue an API token, printed once. */
export function adminToken(io: Io) {
  return (o: AdminOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const name = o.args[0] ?? '';
    const issued = await issueAdminToken(ctx.store, ctx.config, name, o.expires === undefined ? {} : { expires: o.expires });
    await ctx.recordAdmin('admin_token', { status: 'ok', target: name, summary: `token ${issued.tokenId}${issued.expiresAt ? ` expires ${issued.expiresAt}` : ''}` });
    printResult(io, o.json, { name, token: issued.token, tokenId: issued.tokenId, expiresAt: issued.expiresAt },
      `Administrator ${name}: new token ${issued.tokenId}${issued.expiresAt ? ` (expires ${issued.expiresAt})` : ''}\n${issued.token}\n${TOKEN_NOTICE}`);
    return EXIT_OK;
  });
}

/** `admin revoke NAME`: revoke every token of a person, effective on the next request. */
export function adminRevoke(io: Io) {
  return (o: AdminOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const name = o.args[0] ?? '';
    const revoked = await revokeAdminTokens(ctx.store, name);
    await ctx.recordAdmin('admin_revoke', { status: 'ok', target: name, summary: `${revoked} token(s) revoked` });
    printResult(io, o.json, { name, revoked }, `${name}: ${revoked} token(s) revoked; effective on the next request.`
      + (ctx.config.admins.some((a) => a.name === name) ? ' A password, if set, still signs in; replace it with `gatehouse admin password NAME`.' : ''));
    return EXIT_OK;
  });
}

/** `admin list`: declared administrators with role, groups, password and usable tokens. */
export function adminList(io: Io) {
  return (o: AdminOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const admins = await listAdmins(ctx.store, ctx.config);
    printResult(io, o.json, admins, admins.length === 0 ? `No administrators are declared under admins: in ${ctx.config.file}.`
      : table(['ADMIN', 'ROLE', 'GROUPS', 'PASSWORD', 'TOKENS'], admins.map((a) => [
        a.name, a.role, a.groups.join(',') || '-', a.passwordSet ? 'set' : 'none',
        a.activeTokens.length === 0 ? 'none' : a.activeTokens.map((t) => `${t.tokenId}${t.expiresAt ? ` (until ${t.expiresAt.slice(0, 10)})` : ''}`).join(', '),
      ])));
    return EXIT_OK;
  });
}

/** The new password: hidden prompt (asked twice) on a terminal, else all of stdin minus one trailing newline. */
async function readPassword(input: SecretInput, io: Io, name: string): Promise<string> {
  let password: string;
  if (input.isTTY) {
    password = await input.readHidden(`New password for ${name} (input hidden): `, io);
    if (password !== await input.readHidden('Repeat the password: ', io)) throw new GatehouseError('USAGE', 'The two entries differ; nothing was changed.');
  } else {
    const bytes = await input.readAll(MAX_PASSWORD_LENGTH * 4 + 2).catch(() => {
      throw new GatehouseError('USAGE', `The password on standard input is longer than ${MAX_PASSWORD_LENGTH} characters; nothing was changed.`);
    });
    const end = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? bytes.length - 2 : bytes.length - 1) : bytes.length;
    try {
      password = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    } catch {
      throw new GatehouseError('USAGE', 'The password on standard input is not UTF-8 text.');
    } finally {
      bytes.fill(0);
    }
  }
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new GatehouseError('USAGE', `${problem} Nothing was changed.`);
  return password;
}
