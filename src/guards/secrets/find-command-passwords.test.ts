import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeTokens } from './fake-tokens.js';
import { expectNone, expectSecret, randomPassword } from './secret-expectations.js';
import { createSecretsDetector } from './secrets-detector.js';

const detector = createSecretsDetector();
const t = new FakeTokens(23);

const pw = (): string => randomPassword(t);

describe('context rules: passwords on command lines', () => {
  it('finds the password flag of database, cache and remote-shell clients', () => {
    const p = pw();
    const cases: [string, string][] = [
      [`sshpass -p '${p}' ssh deploy@10.0.0.5`, p],
      [`sshpass -p${p} scp a.txt host:`, p],
      [`mysql -u root -p${p} -h db.internal app`, p],
      [`mysqldump --user=root --password=${p} app > app.sql`, p],
      [`mongo admin -u root -p ${p} --authenticationDatabase admin`, p],
      [`mongosh mongodb://db --username root --password ${p}`, p],
      [`redis-cli -h cache -a ${p} ping`, p],
      [`ldapsearch -x -D "cn=admin,dc=corp" -w ${p} -b dc=corp`, p],
      [`sqlcmd -S db -U sa -P "${p}" -Q "select 1"`, p],
      [`plink -ssh admin@10.0.0.9 -pw ${p}`, p],
      [`xfreerdp /v:10.0.0.9 /u:admin /p:${p}`, p],
      [`sqlplus scott/${p}@orcl`, p],
      [`rabbitmqctl add_user admin ${p}`, p],
    ];
    for (const [text, value] of cases) expectSecret(text, value, 'PASSWORD_IN_COMMAND', 0.7);
  });

  it('finds registry logins, archive passwords, wget and SMB credentials', () => {
    const p = pw();
    const cases: [string, string][] = [
      [`docker login -u ci -p ${p} registry.internal`, p],
      [`docker login --username ci --password=${p} registry.internal`, p],
      [`podman login --password ${p} quay.io`, p],
      [`wget --user=bob --password=${p} https://files.internal/a.tgz`, p],
      [`wget --http-password "${p}" https://files.internal/a.tgz`, p],
      [`zip -P ${p} out.zip a.txt`, p],
      [`7z a -p${p} out.7z dir`, p],
      [`smbclient //fs/share -U CORP\\alice%${p}`, p],
      [`htpasswd -b -c /etc/nginx/.htpasswd admin ${p}`, p],
      [`htpasswd -nbB admin ${p}`, p],
      [`net use Z: \\\\fs01\\share ${p} /user:CORP\\alice`, p],
      [`NET USE \\\\fs01\\share /USER:CORP\\alice ${p}`, p],
    ];
    for (const [text, value] of cases) expectSecret(text, value, 'PASSWORD_IN_COMMAND', 0.7);
  });

  it('finds openssl pass: arguments, keytool store passwords and client environment variables', () => {
    const p = pw();
    const q = pw();
    expectSecret(`openssl pkcs12 -export -in c.pem -inkey k.pem -out c.p12 -passout pass:${p}`, p, 'PASSWORD_IN_COMMAND', 0.8);
    expectSecret(`openssl rsa -in k.pem -passin 'pass:${p}' -out d.pem`, p, 'PASSWORD_IN_COMMAND', 0.8);
    const keytool = `keytool -importkeystore -srckeystore a.p12 -srcstorepass ${p} -deststorepass ${q}`;
    expectSecret(keytool, p, 'PASSWORD_IN_COMMAND', 0.7);
    expectSecret(keytool, q, 'PASSWORD_IN_COMMAND', 0.7);
    expectSecret(`PGPASSWORD=${p} psql -h db -U app`, p, 'PASSWORD_IN_COMMAND', 0.7);
    expectSecret(`export MYSQL_PWD="${p}"`, p, 'PASSWORD_IN_COMMAND', 0.7);
    expectSecret(`ENV REDISCLI_AUTH ${p}`, p, 'PASSWORD_IN_COMMAND', 0.7);
  });

  it('reads continuation lines, and only the password', () => {
    const p = pw();
    const text = `docker login \\\n  --username ci \\\n  --password ${p} \\\n  registry.internal`;
    expectSecret(text, p, 'PASSWORD_IN_COMMAND', 0.7);
    assert.equal(detector.detect(text).length, 1);
  });

  it('leaves variables, prompts and prose (stand-ins: see context-rule.test.ts)', () => {
    expectNone([
      'sshpass -p "$SSHPASS" ssh host',
      'sshpass -p <password> ssh host',
      'mysql -u root -p',
      'mysql -u root -p -h db app',
      'mysql -u root -p${MYSQL_ROOT_PASSWORD}',
      'PGPASSWORD=$DB_PASS psql -h db',
      'redis-cli -a "$REDIS_PASSWORD" ping',
      'docker login -u $CI_USER -p $CI_PASS registry',
      'echo "$TOKEN" | docker login --username ci --password-stdin',
      'docker login -p {{ registry_password }} registry',
      'htpasswd -c .htpasswd admin',
      'net use Z: \\\\srv\\share * /user:alice',
      'net use Z: \\\\srv\\share /user:alice %PASSWORD%',
      'openssl rsa -passin env:PASSPHRASE -in k.pem',
      'openssl rsa -passin pass:$PASS -in k.pem',
      'keytool -list -keystore k.jks -storepass:env STOREPASS',
      'sqlplus / as sysdba',
      'Run mysql -u root -p and enter the password when prompted.',
      'Use the --password flag of docker login, or better --password-stdin.',
    ]);
  });
});
