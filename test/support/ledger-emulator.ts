/**
 * The stack's work ledger table, for end-to-end tests: DynamoDB on 127.0.0.1, played by dynalite (an
 * implementation of DynamoDB's API, conditional writes included), with the one table the functions use,
 * created as CloudFormation would create it. Tests read the items to see what the ledger decided.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { closeNow } from './local-server';

// dynalite has no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/** The table's name, as the function's environment gives it. */
export const LEDGER_TABLE_NAME = 'ConnectUserIdentity-Ledger';

export class LedgerEmulator {
  private server?: Server;
  private endpointUrl?: string;
  /** Requests received, by DynamoDB operation (`GetItem`, `PutItem`, ...): what the ledger costs. */
  readonly requests = new Map<string, number>();

  /** Starts DynamoDB on a random port of 127.0.0.1 and creates the table. */
  async start(): Promise<void> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.on('request', (request: { headers: Record<string, string | string[] | undefined> }) => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() || 'Unknown';
      this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpointUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await this.client().send(
      new CreateTableCommand({
        TableName: LEDGER_TABLE_NAME,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeNow(server as Parameters<typeof closeNow>[0]);
  }

  get endpoint(): string {
    if (!this.endpointUrl) throw new Error('the ledger emulator is not started');
    return this.endpointUrl;
  }

  /** What a function needs to reach the table. */
  environment(): Record<string, string> {
    return { AWS_ENDPOINT_URL_DYNAMODB: this.endpoint, LEDGER_TABLE: LEDGER_TABLE_NAME };
  }

  /** Every item's key and state, as the functions wrote them. */
  async items(): Promise<{ key: string; version: number; state: Record<string, any> }[]> {
    const items: { key: string; version: number; state: Record<string, any> }[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await this.client().send(new ScanCommand({ TableName: LEDGER_TABLE_NAME, ExclusiveStartKey: start, ConsistentRead: true }));
      for (const item of page.Items ?? []) items.push({ key: item.pk.S!, version: Number(item.version.N), state: JSON.parse(item.state.S!) });
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private client(): DynamoDBClient {
    return new DynamoDBClient({ region: 'us-east-1', endpoint: this.endpoint, credentials: { accessKeyId: 'AKIAEMULATOREXAMPLE0', secretAccessKey: 'emulator' } });
  }
}
