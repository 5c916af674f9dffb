/**
 * Every benchmark, one after the other, each in its own process (so one's heap and JIT state do
 * not colour the next), with its default arguments:
 *
 *   npm run bench
 *
 * Run them one by one for other arguments; each file's header says which it takes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHES = ['gateway-bench', 'policy-bench', 'connector-bench', 'approval-bench', 'guard-bench'];

let failed = 0;
for (const name of BENCHES) {
  const file = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (!existsSync(file)) continue;
  process.stdout.write(`\n=== ${name} ===\n`);
  const result = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
