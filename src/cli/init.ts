/** `gatehouse init [dir]`: scaffold a commented configuration, a policy file and a docs folder. */
import { resolve } from 'node:path';
import { EXIT_OK, type Io } from './io.js';
import { writeScaffold } from './scaffold.js';

interface InitOptions {
  readonly args: readonly string[];
  readonly force?: boolean;
}

export function initCommand(io: Io) {
  return async (o: InitOptions): Promise<number> => {
    const dir = resolve(o.args[0] ?? '.');
    const result = writeScaffold(dir, { force: o.force === true });
    io.out(`Created in ${dir}:\n${result.written.map((f) => `  ${f}`).join('\n')}\n\n`
      + 'Next:\n  gatehouse policy validate\n  gatehouse agent create support-bot\n  gatehouse serve\n');
    return EXIT_OK;
  };
}
