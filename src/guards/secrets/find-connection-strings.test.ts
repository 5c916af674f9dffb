import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BASE64, FakeTokens } from './fake-tokens.js';
import { expectNone, expectSecret, randomPassword } from './secret-expectations.js';
import { createSecretsDetector } from './secrets-detector.js';

const detector = createSecretsDetector();
const t = new FakeTokens(31);

const pw = (): string => randomPassword(t);

describe('context rules: connection strings and SQL', () => {
  it('finds ODBC, ADO.NET, JDBC and libpq passwords', () => {
    const p = pw();
    const cases: [string, string][] = [
      [`Server=db;Database=app;User Id=app;Password=${p};`, p],
      [`Data Source=10.0.0.4,1433;Initial Catalog=app;User ID=app;Password =${p};`, p],
      [`Driver={ODBC Driver 17 for SQL Server};Server=db;Uid=app;Pwd={${p}};`, p],
      [`jdbc:mysql://db:3306/app?user=app&password=${p}&useSSL=true`, p],
      [`jdbc:sqlserver://db:1433;databaseName=app;user=app;password=${p};`, p],
      [`jdbc:oracle:thin:scott/${p}@db:1521:orcl`, p],
      [`conn = psycopg2.connect("host=db dbname=app user=app password=${p}")`, p],
    ];
    for (const [text, value] of cases) expectSecret(text, value, 'CONNECTION_STRING_PASSWORD', 0.7);
  });

  it('finds Azure connection-string keys by their format', () => {
    const key = `${t.chars(BASE64, 86)}==`;
    expectSecret(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`, key, 'AZURE_STORAGE_KEY', 0.9);
    const sas = `${t.chars(BASE64, 43)}=`;
    expectSecret(`Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${sas}`, sas, 'AZURE_SHARED_ACCESS_KEY', 0.9);
  });

  it('finds passwords set by SQL statements', () => {
    const p = pw();
    const cases = [
      `CREATE USER 'app'@'%' IDENTIFIED BY '${p}';`,
      `ALTER USER 'app'@'localhost' IDENTIFIED WITH mysql_native_password BY '${p}';`,
      `CREATE USER app IDENTIFIED BY ${p};`,
      `ALTER USER app WITH PASSWORD '${p}';`,
      `CREATE ROLE reporting LOGIN PASSWORD '${p}';`,
      `CREATE LOGIN app WITH PASSWORD = '${p}';`,
      `SET PASSWORD FOR 'app'@'%' = PASSWORD('${p}');`,
    ];
    for (const text of cases) expectSecret(text, p, 'PASSWORD_IN_CODE', 0.7);
  });

  it('leaves variables, format placeholders, concatenation and schema text', () => {
    expectNone([
      'Server=db;User Id=app;Password=${DB_PASSWORD};',
      'Server=db;User Id=app;Password=;',
      'Server=db;Uid=app;Pwd={0};',
      'Server=db;User Id=app;Password=" + password + ";',
      'Server=db;User Id=app;Password=%s;',
      '"driver={SQL Server};server=#{host};uid=#{user};pwd=#{datastore[\'DBPASSWORD\']}"',
      'jdbc:mysql://db/app?user=app&password=',
      'jdbc:oracle:thin:${user}/${pass}@db:1521:orcl',
      "CREATE USER app IDENTIFIED BY '${DB_PASS}';",
      "CREATE USER app WITH PASSWORD :'pw';",
      'CREATE TABLE users (id int, password varchar(64));',
      'The password=... setting of the connection string is read from the vault.',
    ]);
  });
});

describe('context rules: passwords passed to calls', () => {
  it('finds literal passwords by argument position', () => {
    const p = pw();
    const cases = [
      `r = requests.get(url, auth=('bob', '${p}'))`,
      `session.auth = ("bob", "${p}")`,
      `auth = HTTPBasicAuth('bob', '${p}')`,
      `aiohttp.BasicAuth(login="bob", password="${p}")`,
      `var c = new NetworkCredential("bob", "${p}", "CORP");`,
      `new UsernamePasswordCredentials("bob", "${p}")`,
      `return new PasswordAuthentication("bob", "${p}".toCharArray());`,
      `Connection c = DriverManager.getConnection(url, "app", "${p}");`,
      `$db = new mysqli('db', 'app', '${p}', 'app');`,
      `$pdo = new PDO($dsn, 'app', '${p}');`,
      `ftp = FTP('ftp.internal', 'bob', '${p}')`,
      `server.login('me@corp.example', '${p}')`,
      `conn.simple_bind_s('cn=admin,dc=corp', '${p}')`,
      `session.setPassword("${p}");`,
      `req.basic_auth 'bob', '${p}'`,
      `$pw = ConvertTo-SecureString '${p}' -AsPlainText -Force`,
    ];
    for (const text of cases) {
      const found = detector.detect(text).find((f) => text.slice(f.start, f.end) === p);
      assert.ok(found, `expected the password in ${JSON.stringify(text)}`);
      assert.ok(['PASSWORD_IN_CODE', 'PASSWORD', 'CONNECTION_STRING_PASSWORD'].includes(found.kind), JSON.stringify(found));
    }
    expectSecret(`HTTPBasicAuth('bob', '${p}')`, p, 'PASSWORD_IN_CODE', 0.7);
    expectSecret(`new NetworkCredential("bob", "${p}")`, p, 'PASSWORD_IN_CODE', 0.7);
  });

  it('leaves variables, calls and f-strings (stand-ins: see context-rule.test.ts)', () => {
    expectNone([
      'requests.get(url, auth=(user, password))',
      'requests.get(url, auth=(user, os.environ["PW"]))',
      'HTTPBasicAuth(user, pw)',
      'new NetworkCredential(userName, password)',
      'DriverManager.getConnection(url, user, pass)',
      "server.login(user, os.environ['SMTP_PASSWORD'])",
      'server.login(user, f"{prefix}{suffix}")',
      'ConvertTo-SecureString $pw -AsPlainText -Force',
      'session.setPassword(password);',
      'if (password === confirm) login(user, password)',
    ]);
  });
});
