/** `gatehouse serve`: run the gateway until SIGINT/SIGTERM; SIGHUP reloads the configuration. */
import { Gateway } from '../main/gateway.js';
import { createLogger } from '../ops/logger.js';
import { EXIT_OK, type Io } from './io.js';

interface ServeOptions {
  readonly config: string;
  readonly listen?: string;
}

export function serveCommand(io: Io) {
  return async (o: ServeOptions): Promise<number> => {
    const log = createLogger();
    const gateway = await Gateway.start({ configFile: o.config, log, ...(o.listen === undefined ? {} : { listen: o.listen }) });
    const publicUrl = gateway.runtime.config.server.public_url;
    io.err(`Gatehouse is serving MCP at ${gateway.url}${publicUrl === undefined ? '' : ` (clients use ${publicUrl})`}\n`);
    const onHup = () => void gateway.reload();
    process.on('SIGHUP', onHup);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.off('SIGHUP', onHup);
    log.info('shutting down');
    await gateway.close();
    return EXIT_OK;
  };
}
