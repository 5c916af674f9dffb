/**
 * The demo's sample CRM: a SQLite file with `customers` (spread over three regions) and `tickets`.
 * `gatehouse demo` rebuilds it on every run, so the walkthrough always starts from the same rows.
 * Each table also has a column the connector does not declare (`internal_notes`, `assignee_email`):
 * it exists in the database and is unreachable through the gateway.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Regions of the sample customers; the row filter binds the acting user's `region` to one of them. */
export type DemoRegion = 'emea' | 'amer' | 'apac';

/** One sample customer. */
export interface DemoCustomer {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly region: DemoRegion;
  readonly plan: 'free' | 'team' | 'enterprise';
}

/** One sample support ticket. */
export interface DemoTicket {
  readonly id: number;
  readonly customerId: number;
  readonly subject: string;
  readonly status: 'open' | 'pending' | 'closed';
  readonly category: string;
}

const customer = (id: number, name: string, email: string, region: DemoRegion, plan: DemoCustomer['plan']): DemoCustomer => ({ id, name, email, region, plan });

/** The sample customers: 7 in emea, 7 in amer, 6 in apac. */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  customer(1, 'Acme GmbH', 'jonas.weber@acme.example', 'emea', 'enterprise'),
  customer(2, 'Brightside Ltd', 'olivia.hughes@brightside.example', 'emea', 'team'),
  customer(3, 'Globex Corporation', 'hank.scorpio@globex.example', 'amer', 'enterprise'),
  customer(4, 'Initech', 'bill.lumbergh@initech.example', 'amer', 'team'),
  customer(5, 'Kaiju Robotics', 'haruto.sato@kaiju.example', 'apac', 'enterprise'),
  customer(6, 'Lumen SARL', 'camille.martin@lumen.example', 'emea', 'free'),
  customer(7, 'Nordlys AS', 'ingrid.berg@nordlys.example', 'emea', 'team'),
  customer(8, 'Pacific Freight', 'grace.lee@pacificfreight.example', 'apac', 'team'),
  customer(9, 'Quantum Dairy', 'sam.miller@quantumdairy.example', 'amer', 'free'),
  customer(10, 'Rosa Textiles', 'lucia.rossi@rosatextiles.example', 'emea', 'enterprise'),
  customer(11, 'Southern Cross Energy', 'jack.wilson@southerncross.example', 'apac', 'enterprise'),
  customer(12, 'Tidewater Labs', 'maya.patel@tidewater.example', 'amer', 'team'),
  customer(13, 'Umbrella Health', 'ada.wong@umbrella.example', 'amer', 'enterprise'),
  customer(14, 'Vltava Software', 'petr.novak@vltava.example', 'emea', 'team'),
  customer(15, 'Wombat Analytics', 'chloe.nguyen@wombat.example', 'apac', 'free'),
  customer(16, 'Xochi Foods', 'diego.hernandez@xochi.example', 'amer', 'team'),
  customer(17, 'Yarra Bikes', 'liam.smith@yarrabikes.example', 'apac', 'team'),
  customer(18, 'Zephyr Air', 'amara.okafor@zephyr.example', 'emea', 'enterprise'),
  customer(19, 'Cobalt Mining', 'ethan.brown@cobalt.example', 'amer', 'enterprise'),
  customer(20, 'Lotus Learning', 'mei.chen@lotuslearning.example', 'apac', 'team'),
];

const ticket = (id: number, customerId: number, subject: string, status: DemoTicket['status'], category: string): DemoTicket => ({ id, customerId, subject, status, category });

/**
 * The sample tickets. The walkthrough re-categorises ticket 3 directly; ticket 6 is an enterprise
 * customer's (escalated: a change waits for approval), and it asks to change that one too.
 */
export const DEMO_TICKETS: readonly DemoTicket[] = [
  ticket(1, 1, 'Invoice shows the wrong VAT number', 'open', 'billing'),
  ticket(2, 3, 'SSO login loops back to the start page', 'open', 'login'),
  ticket(3, 2, 'Charged twice for the March renewal', 'open', 'general'),
  ticket(4, 5, 'Export to CSV times out', 'pending', 'bug'),
  ticket(5, 6, 'How do I add a second admin?', 'closed', 'how-to'),
  ticket(6, 10, 'Need a copy of the data processing agreement', 'open', 'legal'),
  ticket(7, 12, 'Webhook deliveries delayed', 'pending', 'bug'),
  ticket(8, 14, 'Upgrade from team to enterprise', 'open', 'sales'),
  ticket(9, 18, 'Password reset e-mail never arrives', 'open', 'login'),
  ticket(10, 8, 'API rate limit too low for nightly sync', 'open', 'general'),
];

/**
 * What customers wrote, for some tickets. Ticket 3's customer pasted a card number (a published
 * test number) and a private address into it: the crm connector's guards mask both on the way out.
 */
export const DEMO_CARD = '4111 1111 1111 1111';
export const DEMO_PRIVATE_EMAIL = 'dana.whitfield@mailbox.example';
export const DEMO_DESCRIPTIONS: Readonly<Record<number, string>> = {
  3: `I was charged twice for the March renewal. Please refund the second charge to my card ${DEMO_CARD} and confirm to ${DEMO_PRIVATE_EMAIL}.`,
  7: 'Deliveries to our endpoint arrive 10-20 minutes late since Monday.',
};

/** `internal_notes` and `assignee_email` are not declared to the connector: the agent cannot reach them. */
const SCHEMA = `
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  region TEXT NOT NULL CHECK (region IN ('emea', 'amer', 'apac')),
  plan TEXT NOT NULL,
  internal_notes TEXT
);
CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  subject TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'closed')),
  category TEXT NOT NULL,
  description TEXT,
  assignee_email TEXT
);
`;

/** (Re)build the sample CRM at `file`: any earlier file (and its WAL) is replaced. */
export function writeDemoCrm(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.exec(SCHEMA);
    const addCustomer = db.prepare('INSERT INTO customers (id, name, email, region, plan, internal_notes) VALUES (?, ?, ?, ?, ?, ?)');
    const addTicket = db.prepare('INSERT INTO tickets (id, customer_id, subject, status, category, description, assignee_email) VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const c of DEMO_CUSTOMERS) addCustomer.run(c.id, c.name, c.email, c.region, c.plan, `credit check ${c.plan === 'free' ? 'pending' : 'passed'}`);
      for (const t of DEMO_TICKETS) addTicket.run(t.id, t.customerId, t.subject, t.status, t.category, DEMO_DESCRIPTIONS[t.id] ?? null, 'agent.smith@example.com');
    })();
  } finally {
    db.close();
  }
}
