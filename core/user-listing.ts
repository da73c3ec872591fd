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

/**
 * Every user of an instance, page by page, each page one paced `ListUsers` request. Entries whose ID is not
 * shaped like a Connect user ID are left out: nothing could be declared for them.
 */
export async function* listUsers(context: PacedCallContext, client: ConnectClient, instanceId: string): AsyncGenerator<ListedUser[]> {
  let nextToken: string | undefined;
  do {
    const page = await pacedCall(context, 'ListUsers', () =>
      client.send(new ListUsersCommand({ InstanceId: instanceId, MaxResults: LIST_USERS_PAGE_SIZE, NextToken: nextToken }), { abortSignal: context.signal }),
    );
    yield (page.UserSummaryList ?? [])
      .filter((user) => isUserId(user.Id) && typeof user.Username === 'string')
      .map((user) => ({
        userId: user.Id!,
        username: user.Username!,
        lastModifiedAt: user.LastModifiedTime?.getTime(),
        lastModifiedRegion: user.LastModifiedRegion,
      }));
    nextToken = page.NextToken || undefined;
  } while (nextToken);
}
