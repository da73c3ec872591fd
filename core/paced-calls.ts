/**
 * Calls to Amazon Connect paced per operation (pacer.ts), for the roster stages, the drift check and the
 * command-line tool: each call waits for its operation's slot, a throttled call is sent again at the head
 * of the queue, server and network errors get a few more tries, and any other failure is explained by
 * code, HTTP status and field names, never by the error's text (Connect's messages can echo values).
 */
import { IdentityField } from '../lib/identity-rules';
import { describeError, fieldsNamedBy, httpStatusOf } from './failure-reasons';
import { Clock, Pacer } from './pacer';
import { backoffCeiling, DEFAULT_BACKOFF, PERSISTENT_ERROR_RETRIES, retryReason } from './retry';

/**
 * What kind of failure a call met, for callers that act on it rather than only report it (the command-line
 * tool's `plan` lists users not found apart, and ends a run that has no access or no credentials).
 */
export type FailureKind = 'user-not-found' | 'instance-not-found' | 'access-denied' | 'no-credentials';

/** A failure of one user's call: the field (or operation) at fault, and a value-free problem. */
export class UserFailed extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly kind?: FailureKind,
  ) {
    super(problem);
  }
}

/** How many times a call is tried when Connect answers with a server or network error. */
const TRANSIENT_ATTEMPTS = 5;

/** What a paced call needs: the pacers, a clock, and the signal that ends waiting. */
export interface PacedCallContext {
  readonly pacer: Pacer;
  readonly clock: Clock;
  /** Aborted when the caller must stop waiting: the call in flight ends with the abort. */
  readonly signal: AbortSignal;
}

/** Options of a {@link pacedCall}. */
export interface PacedCallOptions {
  /** Identity fields the request declares, so that a refusal can tell a declared value from a held one. */
  readonly declaredFields?: readonly IdentityField[];
  /**
   * Runs once the call has its slot, just before each attempt is sent: a last check that the request is
   * still wanted (a fresh read, a guard). Resolves to false to give the slot back and send nothing.
   */
  readonly beforeSend?: () => Promise<boolean>;
}

/**
 * One call to Connect, paced by its operation's pacer: a throttled call goes back to the head of its
 * operation's queue; a server or network error is tried again a few times; anything else throws a
 * {@link UserFailed} that explains it without any value. Rejects with the abort when `signal` aborts.
 */
export async function pacedCall<T>(context: PacedCallContext, operation: string, send: () => Promise<T>, declaredFields: readonly IdentityField[] = []): Promise<T> {
  // Without a `beforeSend`, every attempt is sent: the result is always the answer's.
  return (await pacedCallIfWanted(context, operation, send, { declaredFields })) as T;
}

/**
 * A {@link pacedCall} whose `beforeSend` has the last word on each attempt, once its slot has come.
 * Resolves to `undefined` when `beforeSend` decided not to send; rejects with what `beforeSend` throws.
 */
export async function pacedCallIfWanted<T>(context: PacedCallContext, operation: string, send: () => Promise<T>, options: PacedCallOptions = {}): Promise<T | undefined> {
  const pacer = context.pacer.of(operation);
  const { signal, clock } = context;
  const declaredFields = options.declaredFields ?? [];
  let transientFailures = 0;
  let retryingThrottle = false;
  for (;;) {
    const ticket = await pacer.acquire({ signal, first: retryingThrottle });
    if (options.beforeSend) {
      let wanted: boolean;
      try {
        wanted = await options.beforeSend();
      } catch (error) {
        pacer.cancel();
        throw error;
      }
      if (!wanted) {
        pacer.cancel();
        return undefined;
      }
    }
    try {
      const result = await send();
      pacer.succeeded(ticket);
      return result;
    } catch (error) {
      const reason = retryReason(error);
      if (reason === 'throttled' && !signal.aborted) {
        pacer.throttled(ticket);
        retryingThrottle = true;
        continue;
      }
      // An answer other than a throttle got past Connect's bucket: for pacing, it counts as a success.
      if (httpStatusOf(error) !== undefined && !signal.aborted) pacer.succeeded(ticket);
      else pacer.failed();
      if (signal.aborted) throw error;
      const attempts = reason === 'persistent network error' ? PERSISTENT_ERROR_RETRIES + 1 : TRANSIENT_ATTEMPTS;
      if (reason && ++transientFailures < attempts) {
        retryingThrottle = false;
        await clock.sleep(Math.random() * backoffCeiling(DEFAULT_BACKOFF, transientFailures, 0), signal);
        continue;
      }
      throw explainFailure(error, operation, declaredFields);
    }
  }
}

/**
 * What an SDK error says about a user, from its code, its HTTP status and the identity field names its
 * message mentions, never from its text: Connect's messages may echo the values sent or held.
 */
export function explainFailure(error: unknown, operation: string, declaredFields: readonly IdentityField[] = []): UserFailed {
  const facts = describeError(error);
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'ResourceNotFoundException':
      return operation === 'DescribeInstance' || operation === 'ListUsers'
        ? new UserFailed('InstanceId', `the instance was not found (${operation}: ${facts})`, 'instance-not-found')
        : new UserFailed('UserId', `the user was not found in the instance (${operation}: ${facts})`, 'user-not-found');
    case 'AccessDeniedException':
      return new UserFailed(operation, `access denied to connect:${operation} (${facts}); the handler's role must allow it on this user`, 'access-denied');
    case 'CredentialsProviderError':
      return new UserFailed(operation, `no AWS credentials were found for ${operation} (${facts})`, 'no-credentials');
    case 'InvalidParameterException':
    case 'InvalidRequestException': {
      const named = fieldsNamedBy(error);
      const held = named.filter((field) => !declaredFields.includes(field));
      return new UserFailed(
        named.length > 0 ? named.join(', ') : 'IdentityInfo',
        `Amazon Connect refused ${operation} (${facts})${held.length > 0 ? `; ${held.join(', ')} not declared here: the value Connect holds was refused, declare it to replace it` : ''}`,
      );
    }
    default:
      return new UserFailed(operation, `${operation} failed (${facts})${httpStatusOf(error) === undefined && retryReason(error) ? ' after retries' : ''}`);
  }
}
