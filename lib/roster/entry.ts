/** A roster's entries once checked, what identifies the user an entry names, and what a deploy applies for it. */
import { IDENTITY_FIELD_PROPS, UserIdentityInfo } from '../connect-user-identity';
import { IdentityField, IdentityRecord, parseInstanceReference } from '../identity-rules';
import type { RosterDeclaration } from '../roster-declarations';

/** One user of a roster, as read from its file: blank fields are left out. */
export interface RosterEntry {
  /** The file the entry was read from, as the roster path was given (e.g. `examples/agents/mary.json`). */
  readonly file: string;
  /** The entry's number in its file: 1 for the first (a file of one object holds entry 1). */
  readonly entry: number;
  /**
   * In a CSV file, the entry's row as a spreadsheet numbers it (the header is row 1).
   * @default - not read from a CSV file
   */
  readonly row?: number;
  /** `InstanceId`: the instance ID (a UUID, as Connect issues them) or instance ARN. */
  readonly instanceId: string;
  /**
   * `UserId`.
   * @default - the user is named by `username`
   */
  readonly userId?: string;
  /**
   * `Username`, looked up at deploy time.
   * @default - the user is named by `userId`
   */
  readonly username?: string;
  /** The declared fields of `IdentityInfo`; blank ones are not declared. */
  readonly identityInfo: UserIdentityInfo;
}

/** The instance as it identifies a user: its bare ID, so an ARN and an ID of one instance are the same. */
export function instanceKeyOf(instanceId: string): string {
  return parseInstanceReference(instanceId)?.instanceId ?? instanceId;
}

/**
 * What makes two entries the same user: the instance and the UserId, or the instance and the Username.
 * The instance is compared without regard to case: an instance ID is a UUID, whose hex digits mean the
 * same in either case.
 */
export function userKeyOf(entry: Pick<RosterEntry, 'instanceId' | 'userId' | 'username'>): string {
  const instance = instanceKeyOf(entry.instanceId).toLowerCase();
  return entry.userId !== undefined ? `${instance}\0id\0${entry.userId}` : `${instance}\0name\0${entry.username}`;
}

/**
 * What a deploy applies for an entry, in the API's names: the declaration a roster stage receives, and
 * what the command-line tool's `plan` compares with Connect.
 */
export function declarationOf(entry: RosterEntry): RosterDeclaration {
  const info: IdentityRecord = {};
  for (const [field, prop] of Object.entries(IDENTITY_FIELD_PROPS) as [IdentityField, keyof RosterEntry['identityInfo']][]) {
    const value = entry.identityInfo[prop];
    if (value !== undefined) info[field] = value;
  }
  return {
    InstanceId: entry.instanceId,
    ...(entry.userId !== undefined ? { UserId: entry.userId } : { Username: entry.username }),
    IdentityInfo: info,
  };
}
