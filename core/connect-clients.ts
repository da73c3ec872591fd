/**
 * Amazon Connect clients, one per region, kept for the life of the container. The SDK's own retries are
 * off: the handler decides what to retry, against its own deadline or pacer.
 */
import { ConnectClient } from '@aws-sdk/client-connect';

const clients = new Map<string, ConnectClient>();

/** The Connect client of a region. */
export function connectClient(region: string): ConnectClient {
  let client = clients.get(region);
  if (!client) {
    client = new ConnectClient({
      region,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
    });
    clients.set(region, client);
  }
  return client;
}
