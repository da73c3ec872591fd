/**
 * The work ledger: the one place where the functions decide "is this still the current work?".
 *
 * Lambda runs asynchronous invocations at least once: a copy of an event can arrive seconds or minutes
 * after the first, even when nothing failed; an invocation that fails is tried again; an event waits up to
 * the function's maximum event age before it runs. CloudFormation's events reach the function that way,
 * and so do the functions' own hand-overs. So every unit of work (a custom resource of the stack, a drift
 * check) has one item in the stack's ledger table, a DynamoDB table written only with conditional writes:
 * an item says which request is current, which invocation holds it and until when, how far it got, and the
 * answer once it is decided. Whoever reads an item and writes it back wins only if nobody wrote it in
 * between; an event, hand-over or continuation that does not match the item does nothing.
 *
 * Items hold IDs, counts, positions, times and value-free failure reasons: never an identity value or a
 * username. They expire (DynamoDB's TTL) a week after their last write.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { LEDGER_TABLE_ENV } from '../../lib/resource-properties';


/** How long an item is kept after its last write: far longer than any event can wait in Lambda's queue. */
const RETENTION_SECONDS = 7 * 24 * 3_600;

/** An item's state as last read, with the version a conditional write must find. */
export interface LedgerEntry<T> {
  readonly state: T;
  readonly version: number;
}

/** An invocation's hold on a unit of work: nobody else works on it until `until` (epoch ms). */
export interface Lease {
  /** A random ID of the holding invocation. */
  readonly invocation: string;
  readonly until: number;
}

/** Whether a lease still holds at `now`. */
export function holds(lease: Lease | undefined, now: number): lease is Lease {
  return lease !== undefined && lease.until > now;
}

let client: DynamoDBClient | undefined;

/** The ledger of the table named by the function's environment. */
export function ledgerFromEnvironment(): Ledger {
  const tableName = process.env[LEDGER_TABLE_ENV];
  if (!tableName) throw new Error(`${LEDGER_TABLE_ENV} is not set`);
  // Every call has a timeout that fits in the few seconds an invocation keeps back for handing over or answering.
  client ??= new DynamoDBClient({ region: process.env.AWS_REGION, maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } });
  return new Ledger(tableName, client);
}

/** Reads and conditionally writes the items of one ledger table. */
export class Ledger {
  constructor(
    private readonly tableName: string,
    private readonly dynamo: DynamoDBClient,
  ) {}

  /** The item at `key` as it is now (a strongly consistent read), or undefined when there is none. */
  async read<T>(key: string): Promise<LedgerEntry<T> | undefined> {
    const got = await this.dynamo.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true }));
    const item = got.Item;
    if (!item?.state?.S || !item.version?.N) return undefined;
    return { state: JSON.parse(item.state.S) as T, version: Number(item.version.N) };
  }

  /**
   * Writes `state` at `key` if the item is still at version `expected` (absent, when `expected` is
   * undefined). Resolves to the new entry, or to undefined when someone else wrote the item first.
   *
   * A write whose answer is lost (a time-out, or the SDK trying again after a write that had landed) is
   * settled by reading the item back: each write carries an ID of its own.
   */
  async write<T>(key: string, state: T, expected: number | undefined): Promise<LedgerEntry<T> | undefined> {
    const version = (expected ?? 0) + 1;
    const writeId = randomUUID();
    try {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: key },
            version: { N: String(version) },
            writeId: { S: writeId },
            state: { S: JSON.stringify(state) },
            expiresAt: { N: String(Math.floor(Date.now() / 1000) + RETENTION_SECONDS) },
          },
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': { N: String(expected) } } }),
        }),
      );
      return { state, version };
    } catch (error) {
      if (await this.landed(key, writeId)) return { state, version };
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Whether the write `writeId` is the one the item holds now. */
  private async landed(key: string, writeId: string): Promise<boolean> {
    try {
      const got = await this.dynamo.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true, ProjectionExpression: 'writeId' }));
      return got.Item?.writeId?.S === writeId;
    } catch {
      return false;
    }
  }
}
