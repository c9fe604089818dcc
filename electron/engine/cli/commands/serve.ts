/** `portolan serve [--port N] [--db PATH]` */
import { Engine } from '../../engine';
import { serve } from '../../serve/server';
import { dbPath, parseCommandLine, UsageError } from '../common';

export async function cmdServe(args: string[]): Promise<number> {
  const { values } = parseCommandLine({ args, options: { db: { type: 'string' }, port: { type: 'string', default: '0' } } });
  // Digits only: Number() would also take '1e3', '0x50' and '' (port 1000, 80, any).
  const port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be a whole number from 0 to 65535 (0: any free port), got ${JSON.stringify(values.port)}`);
  const engine = await Engine.open({ dbPath: dbPath(values.db), transport: 'web' });
  let server;
  try {
    server = await serve(engine, { port });
  } catch (err) {
    await engine.close().catch(() => undefined);
    // Node's own words ("listen EADDRINUSE: address already in use 127.0.0.1:8080") say
    // neither what is likely holding the port nor what to do about it.
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} is in use (another portolan serve?); pick another with --port or 0 for any free port`);
    throw err;
  }
  process.stdout.write(`Portolan serving on ${server.url}\n`);
  process.stdout.write(`database: ${engine.db.path}  (Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await engine.close();
  return 0;
}

