/** Helpers for the test servers on 127.0.0.1 (the Connect emulator, the ResponseURL endpoint). */
import * as http from 'node:http';

/** Closes a server at once, dropping hung and kept-alive connections rather than waiting for them. */
export async function closeNow(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/**
 * An HTTP service on a random port of 127.0.0.1, for the emulators of AWS APIs: it starts, stops
 * (dropping hung connections) and tells its endpoint; a subclass answers the requests.
 */
export abstract class LocalService {
  private server?: http.Server;
  private endpointUrl?: string;

  /** Listens on a random port of 127.0.0.1; resolves to the endpoint URL. */
  async start(): Promise<string> {
    const server = http.createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpointUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return this.endpointUrl;
  }

  /** Closes the server, dropping hung and kept-alive connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeNow(server);
  }

  /** The URL to reach the service at. */
  get endpoint(): string {
    if (!this.endpointUrl) throw new Error(`${this.constructor.name} is not started`);
    return this.endpointUrl;
  }

  /** Answers one request. */
  protected abstract handle(request: http.IncomingMessage, response: http.ServerResponse): void | Promise<void>;
}
