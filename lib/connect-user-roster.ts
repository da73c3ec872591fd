/**
 * The roster construct: one declaration per roster entry, under construct IDs derived from the user
 * each entry names, never from its position.
 */
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { ConnectUserIdentity } from './connect-user-identity';
import { duplicateProblem, formatProblem, instanceKeyOf, Roster, RosterEntry } from './roster';

/** 12 hex characters of a SHA-256: enough to tell a stack's users apart, too few to carry the input. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** A part of a construct ID: as it is when made of ID characters, else hashed (e.g. a dynamic reference). */
function idPart(value: string): string {
  return /^[A-Za-z0-9._-]{1,128}$/.test(value) ? value : shortHash(value);
}

/**
 * The construct ID of an entry's {@link ConnectUserIdentity}: derived from what names the user, never
 * from the entry's position, so that reordering a roster or adding to it replaces nobody.
 * - by UserId: `User-<instance ID>-<user ID>`;
 * - by Username: `UserByName-<instance ID>-<first 12 hex of sha256("<instance ID>/<username>")>`, so
 *   that the ID (and the logical ID, and the template) does not show the username.
 *
 * The instance ID is the bare ID also when the entry gives an ARN. Public contract: changing this
 * function replaces every roster user's resource.
 */
export function rosterConstructId(entry: Pick<RosterEntry, 'instanceId' | 'userId' | 'username'>): string {
  const instance = instanceKeyOf(entry.instanceId);
  if (entry.userId !== undefined) return `User-${idPart(instance)}-${idPart(entry.userId)}`;
  return `UserByName-${idPart(instance)}-${shortHash(`${instance}/${entry.username ?? ''}`)}`;
}

/** Properties of a {@link ConnectUserRoster}. */
export interface ConnectUserRosterProps {
  /** The roster to declare, from {@link loadRoster}. */
  readonly roster: Roster;
}

/**
 * Declares one {@link ConnectUserIdentity} per roster entry, each under the construct ID
 * {@link rosterConstructId} gives it. All of them share the stack's one handler function.
 *
 * A user declared twice in one roster fails here, naming both entries; a user declared both here and
 * elsewhere in the stack fails synth, as any two declarations of one user do.
 */
export class ConnectUserRoster extends Construct {
  /** The declared users, in the roster's order. */
  public readonly users: readonly ConnectUserIdentity[];
  /** The roster's entries, in the same order as {@link users}. */
  public readonly entries: readonly RosterEntry[];

  constructor(scope: Construct, id: string, props: ConnectUserRosterProps) {
    super(scope, id);
    this.entries = props.roster.entries;
    const byId = new Map<string, RosterEntry>();
    this.users = this.entries.map((entry) => {
      const constructId = rosterConstructId(entry);
      const earlier = byId.get(constructId);
      if (earlier) {
        throw new Error(`${formatProblem(duplicateProblem(entry, earlier))}`);
      }
      byId.set(constructId, entry);
      return new ConnectUserIdentity(this, constructId, {
        instanceId: entry.instanceId,
        userId: entry.userId,
        username: entry.username,
        identityInfo: entry.identityInfo,
      });
    });
  }
}
