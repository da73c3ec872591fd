/** Helpers for the test servers on 127.0.0.1 (the Connect emulator, the ResponseURL endpoint). */
import * as http from 'node:http';

/** Closes a server at once, dropping hung and kept-alive connections rather than waiting for them. */
export async function closeNow(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
