/**
 * Passwords on command lines, where each tool documents where its password goes:
 *
 * - a flag and the next word: `sshpass -p …`, `mongo -u x -p …`, `redis-cli -a …`,
 *   `docker login -p …` / `--password …`, `ldapsearch -w …`, `sqlcmd -P …`, `zip -P …`,
 *   `mosquitto_pub -P …`, `plink -pw …`, `keytool -storepass …` / `-keypass …`;
 * - a flag with the value attached: `mysql -pSECRET`, `--password=…`, `wget --http-password=…`,
 *   `7z -pSECRET`, `xfreerdp /p:…`;
 * - `user%pass` after a user flag: `smbclient -U user%pass`;
 * - positional: `htpasswd -b file user pass`, `net use \\host\share pass /user:x`,
 *   `rabbitmqctl add_user u pass`, `sqlplus user/pass@db`;
 * - `openssl … -passin pass:…` / `-passout pass:…`;
 * - environment variables the clients read: `PGPASSWORD=…`, `MYSQL_PWD=…`, `REDISCLI_AUTH=…`,
 *   `SSHPASS=…`.
 *
 * A tool's line is read once from its name to the end of the command (continuation lines
 * included, at most 1 KiB); values are judged by {@link passwordConfidence}.
 */
import { type ContextAnchor, type ContextRule, firstWord, lineStart, literalAt, pushPassword, shellWords, stickyAt, type Word, wordStartAt, wordText } from './context-rule.js';
import type { SecretMatch } from './secret-kinds.js';

const KIND = 'PASSWORD_IN_COMMAND';

/** Where one tool takes its password. */
interface Tool {
  readonly names: readonly string[];
  /**
   * Anchors (default: the names); `|` marks where the literal starts, so that it begins with a
   * pair of characters rare in ordinary text (`redis|-cli`).
   */
  readonly anchors?: readonly string[];
  /** Flags followed by the password (or `flag=password`). */
  readonly flags?: readonly string[];
  /** Prefixes the password is glued to (`-pSECRET`); never a `--` word for a `-` prefix. */
  readonly attached?: readonly string[];
  /** Flags followed by `user<sep>password`. */
  readonly userPass?: readonly string[];
  readonly sep?: string;
  /** Reads the words itself. */
  readonly custom?: (text: string, words: readonly Word[], out: SecretMatch[]) => void;
  readonly ignoreCase?: boolean;
}

/** Pushes the literal of word `w` (from `skip` characters in) when it is a password. */
function pushWord(text: string, w: Word | undefined, out: SecretMatch[], skip = 0): void {
  if (w === undefined || w.end - w.start <= skip || text.charCodeAt(w.start) === 0x2d && skip === 0) return;
  const lit = literalAt(text, w.start + skip, w.end);
  pushPassword(out, KIND, text, lit.start, lit.end, lit.quoted, 0.8);
}

/** `user<sep>pass` in word `w`: the part after the first separator. */
function pushUserPass(text: string, w: Word | undefined, sep: string, out: SecretMatch[], skip = 0): void {
  if (w === undefined) return;
  const lit = literalAt(text, w.start + skip, w.end);
  const at = text.slice(lit.start, lit.end).indexOf(sep);
  if (at > 0) pushPassword(out, KIND, text, lit.start + at + 1, lit.end, lit.quoted, 0.8);
}

function flagWords(tool: Tool, text: string, words: readonly Word[], out: SecretMatch[]): void {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const s = wordText(text, w);
    for (const f of tool.flags ?? []) {
      if (s === f) pushWord(text, words[i + 1], out);
      else if (s.startsWith(`${f}=`)) pushWord(text, w, out, f.length + 1);
    }
    for (const p of tool.attached ?? []) {
      if (s.length > p.length && s.startsWith(p) && !(p.startsWith('-') && !p.startsWith('--') && s.startsWith('--'))) pushWord(text, w, out, p.length);
    }
    for (const f of tool.userPass ?? []) {
      if (s === f) pushUserPass(text, words[i + 1], tool.sep ?? ':', out);
      else if (s.startsWith(`${f}=`)) pushUserPass(text, w, tool.sep ?? ':', out, f.length + 1);
    }
  }
}

/** `htpasswd -b[c…] file user pass`, `htpasswd -nb user pass`. */
function htpasswd(text: string, words: readonly Word[], out: SecretMatch[]): void {
  const flags = words.filter((w) => text.charCodeAt(w.start) === 0x2d).map((w) => wordText(text, w)).join('');
  if (!flags.includes('b')) return;
  const args = words.filter((w) => text.charCodeAt(w.start) !== 0x2d);
  pushWord(text, args[flags.includes('n') ? 1 : 2], out);
}

/** `net use [drive] \\host\share [password] [/user:name] [password]`. */
function netUse(text: string, words: readonly Word[], out: SecretMatch[]): void {
  for (let i = 0; i < words.length; i++) {
    const s = wordText(text, words[i]).replace(/^["']/, '');
    const next = words[i + 1];
    const n = wordText(text, next);
    const isValue = n !== '' && !n.startsWith('/') && n !== '*';
    if (s.startsWith('\\\\') && isValue && !n.startsWith('\\\\')) pushWord(text, next, out);
    if (/^\/u(?:ser)?:./i.test(s) && isValue) pushWord(text, next, out);
  }
}

/** `rabbitmqctl add_user name pass`, `change_password name pass`. */
function rabbitmq(text: string, words: readonly Word[], out: SecretMatch[]): void {
  const at = words.findIndex((w) => /^(?:add_user|change_password)$/.test(wordText(text, w)));
  if (at >= 0) pushWord(text, words[at + 2], out);
}

/** `sqlplus user/pass@db` (the first word that is not a flag). */
function sqlplus(text: string, words: readonly Word[], out: SecretMatch[]): void {
  const w = words.find((x) => text.charCodeAt(x.start) !== 0x2d);
  if (w === undefined) return;
  const lit = literalAt(text, w.start, w.end);
  const m = /^[^/\s@"']{1,64}\/([^@\s"'/]{1,128})(?:@|$)/.exec(text.slice(lit.start, lit.end));
  if (m === null) return;
  const start = lit.start + (m[0].indexOf('/') + 1);
  pushPassword(out, KIND, text, start, start + (m[1] ?? '').length, lit.quoted, 0.8);
}

const TOOLS: readonly Tool[] = [
  { names: ['sshpass'], anchors: ['ss|hpass'], flags: ['-p'], attached: ['-p'] },
  {
    names: ['mysql', 'mysqldump', 'mysqladmin', 'mysqlimport', 'mysqlshow', 'mysqlcheck', 'mysqlsh'],
    anchors: ['mysql'],
    attached: ['-p', '--password='],
  },
  {
    names: ['mongo', 'mongosh', 'mongodump', 'mongorestore', 'mongoexport', 'mongoimport', 'mongostat', 'mongotop', 'mongofiles'],
    anchors: ['mongo'],
    flags: ['-p', '--password'],
  },
  { names: ['redis-cli'], anchors: ['redis|-cli'], flags: ['-a', '--pass'] },
  {
    names: ['docker login', 'podman login', 'nerdctl login', 'buildah login', 'skopeo login', 'crane auth login', 'helm registry login', 'az login', 'cf login'],
    anchors: ['docker login', 'po|dman login', 'ner|dctl login', 'build|ah login', 'skopeo login', 'crane auth', 'he|lm registry', 'az login', 'cf login'],
    flags: ['-p', '--password'],
  },
  { names: ['smbclient', 'rpcclient', 'smbget', 'smbcacls'], anchors: ['smb', 'rpcclient'], userPass: ['-U', '--user', '--username'], sep: '%' },
  { names: ['smbmap', 'crackmapexec', 'nxc', 'evil-winrm', 'rdesktop'], anchors: ['smbmap', 'crackmapexec', 'nxc', 'evil|-winrm', 'rdesktop'], flags: ['-p', '--password'] },
  { names: ['ldapsearch', 'ldapadd', 'ldapmodify', 'ldapdelete', 'ldapwhoami', 'ldappasswd', 'ldapmodrdn', 'ldapcompare'], anchors: ['l|dap'], flags: ['-w'] },
  { names: ['sqlcmd', 'bcp', 'osql', 'isql', 'ipmitool'], anchors: ['sqlcmd', 'bcp', 'o|sql', 'i|pmitool'], flags: ['-P'] },
  { names: ['zip', 'unzip', 'zipcloak'], anchors: ['zip', 'u|nzip'], flags: ['-P', '--password'] },
  { names: ['7z', '7za'], anchors: ['7z'], attached: ['-p'] },
  { names: ['mosquitto_pub', 'mosquitto_sub'], anchors: ['mosquitto_'], flags: ['-P', '--pw'] },
  { names: ['plink', 'pscp', 'psftp'], anchors: ['pli|nk', 'pscp', 'psftp'], flags: ['-pw'] },
  { names: ['xfreerdp', 'wlfreerdp'], attached: ['/p:'] },
  { names: ['influx'], anchors: ['i|nflux'], flags: ['-password', '--password', '-p'] },
  { names: ['wget'], flags: ['--password', '--http-password', '--ftp-password', '--proxy-password', '--http-passwd', '--ftp-passwd'] },
  { names: ['schtasks', 'SCHTASKS', 'schtasks.exe', 'SCHTASKS.EXE'], anchors: ['schtasks', 'SCHTASKS'], flags: ['/RP', '/rp'] },
  { names: ['htpasswd'], anchors: ['htpass|wd'], custom: htpasswd },
  { names: ['rabbitmqctl'], anchors: ['ra|bbitmqctl'], custom: rabbitmq },
  { names: ['sqlplus'], custom: sqlplus, ignoreCase: true },
];

/** Where the tool's name at `at` ends, when it is a whole command word there (`-1` otherwise). */
function commandEnd(text: string, at: number, name: string): number {
  let end = at + name.length;
  if (text.slice(end, end + 4).toLowerCase() === '.exe') end += 4;
  const c = text.charCodeAt(end);
  if (c === 0x20 || c === 0x09 || c === 0x22 || c === 0x27) return end;
  return -1;
}

/** A tool's anchors: each `|`-marked literal and its offset, once. */
function toolAnchors(tool: Tool): ContextAnchor[] {
  const seen = new Set<string>();
  const anchors: ContextAnchor[] = [];
  for (const marked of tool.anchors ?? tool.names) {
    const offset = Math.max(0, marked.indexOf('|'));
    const literal = marked.replace('|', '').slice(offset);
    if (seen.has(`${offset}:${literal}`)) continue;
    seen.add(`${offset}:${literal}`);
    anchors.push({ literal, offset, ignoreCase: tool.ignoreCase === true });
  }
  return anchors;
}

function toolRule(tool: Tool): ContextRule {
  const fold = (s: string): string => (tool.ignoreCase === true ? s.toLowerCase() : s);
  const names = tool.names.map(fold);
  return {
    anchors: toolAnchors(tool),
    run(text, at, out) {
      if (!wordStartAt(text, at)) return at + 1;
      const head = fold(text.slice(at, at + 24));
      let from = -1;
      for (const name of names) if (head.startsWith(name)) from = Math.max(from, commandEnd(text, at, name));
      if (from < 0) return at + 1;
      const { words, end } = shellWords(text, from);
      if (tool.custom) tool.custom(text, words, out);
      else flagWords(tool, text, words, out);
      return end;
    },
  };
}

/** `-passin pass:…`, `-passout pass:…` (openssl): the anchor is `pass:`. */
const OPENSSL_FLAG = /-(?:passin|passout|pass|passwd|password|srcpass|dstpass|deststorepass|srcstorepass)[ \t]{1,8}["']?$/;

const opensslPass: ContextRule = {
  anchors: [{ literal: 'pass:', wordStart: true }],
  run(text, at, out) {
    const before = text.slice(Math.max(0, at - 24), at);
    const flag = OPENSSL_FLAG.exec(before);
    if (flag === null) return at + 1;
    const quote = before.endsWith('"') ? 0x22 : before.endsWith("'") ? 0x27 : 0;
    const start = at + 5;
    let end = start;
    const limit = Math.min(text.length, start + 256);
    while (end < limit) {
      const c = text.charCodeAt(end);
      if (quote !== 0 ? c === quote || c === 0x0a : c <= 0x20 || c === 0x22 || c === 0x27 || c === 0x3b) break;
      end++;
    }
    pushPassword(out, KIND, text, start, end, quote !== 0, 0.85);
    return end;
  },
};

/** keytool / jarsigner store and key passwords (`-storepass:env NAME` names a variable). */
const KEYTOOL = /-(?:src|dest)?(?:store|key)pass(?::(env|file))?(?:[ \t]{1,8}|=)/y;

const keytoolPass: ContextRule = {
  anchors: ['-storepass', '-keypass', '-srcstorepass', '-deststorepass', '-srckeypass', '-destkeypass'].map((literal) => ({ literal })),
  run(text, at, out) {
    const m = stickyAt(KEYTOOL, text, at);
    if (m === null || m[1] !== undefined) return at + 1;
    const word = firstWord(text, at + m[0].length);
    pushWord(text, word, out);
    return word?.end ?? at + m[0].length;
  },
};

/** Client environment variables: `PGPASSWORD=…`, `export MYSQL_PWD='…'`, `ENV SSHPASS …`. */
const ENV_PASSWORD = /(?:PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH|SSHPASS)(?![\w])["']?[ \t]{0,8}(?:[=:][ \t]{0,8}|[ \t])/y;

const envPassword: ContextRule = {
  anchors: ['PGPASSWORD', 'MYSQL_PWD', 'REDISCLI_AUTH', 'SSHPASS'].map((literal) => ({ literal, wordStart: true })),
  run(text, at, out) {
    const m = stickyAt(ENV_PASSWORD, text, at);
    if (m === null) return at + 1;
    const word = firstWord(text, at + m[0].length);
    pushWord(text, word, out);
    return word?.end ?? at + m[0].length;
  },
};

const NET_USE = /net[ \t]{1,8}use[ \t]/i;

/** `net use`, anchored at its `/user:` switch (a rarer literal than `net use`). */
const netUseRule: ContextRule = {
  anchors: [{ literal: '/user:', ignoreCase: true }, { literal: '/u:', ignoreCase: true }],
  run(text, at, out) {
    const start = lineStart(text, at, 512);
    const line = start < 0 ? null : NET_USE.exec(text.slice(start, at));
    if (line === null) return at + 1;
    const { words, end } = shellWords(text, start + line.index + line[0].length);
    netUse(text, words, out);
    return end;
  },
};

/** The command-line rules. */
export const COMMAND_RULES: readonly ContextRule[] = [...TOOLS.map(toolRule), netUseRule, opensslPass, keytoolPass, envPassword];
