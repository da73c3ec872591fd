/**
 * Reading who an instance's users are, a page at a time: `ListUsers` returns up to 1,000 users a page,
 * each with its ID, username and the time it last changed, for one paced request. The drift check uses
 * it to read only the users that changed, and the command-line tool to find an instance's users.
 */
import { ConnectClient, ListUsersCommand } from '@aws-sdk/client-connect';
import { isUserId } from '../lib/identity-rules';
import { pacedCall, PacedCallContext } from './paced-calls';

/** The most users `ListUsers` returns in one page (its MaxResults range is 1 to 1,000). */
export const LIST_USERS_PAGE_SIZE = 1_000;

/** One user as a page of `ListUsers` names it: no identity value, only who and when. */
export interface ListedUser {
  readonly userId: string;
  /** The login name (personal data: never log it). */
  readonly username: string;
  /** When the user last changed, in Connect's clock (epoch ms); undefined when Connect does not say. */
  readonly lastModifiedAt?: number;
  /** The region the change was made in, as Connect reports it. */
  readonly lastModifiedRegion?: string;
}

/** Adds listed users to `byUsername`: their IDs by username (more than one when Connect holds several of a name). */
export function addByUsername(byUsername: Map<string, string[]>, users: readonly ListedUser[]): void {
  for (const user of users) byUsername.set(user.username, [...(byUsername.get(user.username) ?? []), user.userId]);
}

/** One page of users, and when, in Connect's own clock, it showed them. */
export interface ListedPage {
  readonly users: ListedUser[];
  /**
   * A moment in Connect's clock (epoch ms) no later than the one at which the page showed the users:
   * the `Date` of Connect's answer (whole seconds, rounded down) less the time the request took. A
   * change made after it may or may not be in the page; a change made before it is. Undefined when the
   * answer had no readable `Date`.
   */
  readonly shownNotBefore?: number;
}

/**
 * Every user of an instance, page by page, each page one paced `ListUsers` request. Entries whose ID is not
 * shaped like a Connect user ID are left out: nothing could be declared for them.
 */
export async function* listUsers(context: PacedCallContext, client: ConnectClient, instanceId: string): AsyncGenerator<ListedUser[]> {
  for await (const page of listUserPages(context, client, instanceId)) yield page.users;
}

/** {@link listUsers}, with each page's moment in Connect's clock. */
export async function* listUserPages(context: PacedCallContext, client: ConnectClient, instanceId: string): AsyncGenerator<ListedPage> {
  let nextToken: string | undefined;
  do {
    let answered: { date?: string; tookMs: number } = { tookMs: 0 };
    const page = await pacedCall(context, 'ListUsers', async () => {
      const command = new ListUsersCommand({ InstanceId: instanceId, MaxResults: LIST_USERS_PAGE_SIZE, NextToken: nextToken });
      let date: string | undefined;
      // Connect's clock, not this machine's, is what its LastModifiedTime values can be compared with.
      command.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const headers = (result.response as { headers?: Record<string, string | undefined> } | undefined)?.headers ?? {};
          date = headers.date ?? headers.Date;
          return result;
        },
        { step: 'deserialize', name: 'readConnectClock', priority: 'low' },
      );
      const sentAt = performance.now();
      const answer = await client.send(command, { abortSignal: context.signal });
      answered = { date, tookMs: Math.ceil(performance.now() - sentAt) };
      return answer;
    });
    const shownAt = answered.date === undefined ? Number.NaN : Date.parse(answered.date);
    yield {
      users: (page.UserSummaryList ?? [])
        .filter((user) => isUserId(user.Id) && typeof user.Username === 'string')
        .map((user) => ({
          userId: user.Id!,
          username: user.Username!,
          lastModifiedAt: user.LastModifiedTime?.getTime(),
          lastModifiedRegion: user.LastModifiedRegion,
        })),
      shownNotBefore: Number.isFinite(shownAt) ? shownAt - answered.tookMs : undefined,
    };
    nextToken = page.NextToken || undefined;
  } while (nextToken);
}
