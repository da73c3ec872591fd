/** Shared test data and helpers of the roster loader's tests: temp rosters, the leak check. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem, Roster, RosterError, RosterProblem } from '../../../lib';

export const INSTANCE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111';
export const OTHER_INSTANCE = 'a1b2c3d4-5678-90ab-cdef-EXAMPLE22222';
export const MARY_ID = '87654321-2222-1234-1234-111234567891';
export const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');

/**
 * Every identity value and username the failure tests use, and the parts of them a parser could quote:
 * none may appear in a message.
 */
export const PERSONAL = [
  'Mary',
  'Major',
  'marym',
  'mmajor',
  'Zoë',
  'Jane',
  'jdoe',
  '2065550142',
  'example.com',
  'José',
  'Jos',
  'Okafor',
  'Smith',
  'Null',
  'Brien',
  'Siobh',
  'Nuñez',
  '1.20656E',
  '447700',
];

/** What `aws connect update-user-identity-info --generate-cli-skeleton` prints. */
export const CLI_SKELETON = `{
    "IdentityInfo": {
        "FirstName": "",
        "LastName": "",
        "Email": "",
        "SecondaryEmail": "",
        "Mobile": ""
    },
    "UserId": "",
    "InstanceId": ""
}
`;

/** What `aws connect update-user-identity-info --generate-cli-skeleton yaml-input` prints. */
export const CLI_YAML_SKELETON = `IdentityInfo: # The identity information for the user.
  FirstName: '' # The first name.
  LastName: '' # The last name.
  Email: '' # The email address.
  SecondaryEmail: '' # The user's secondary email address.
  Mobile: '' # The user's mobile number.
UserId: '' # [REQUIRED] The identifier of the user account.
InstanceId: '' # [REQUIRED] The identifier of the Amazon Connect instance.
`;

/** The CLI skeleton with some fields filled in, as a user would. */
export function filledSkeleton(fill: {
  FirstName?: string;
  LastName?: string;
  Email?: string;
  Mobile?: string;
  UserId?: string;
  InstanceId?: string;
}) {
  const skeleton = JSON.parse(CLI_SKELETON);
  for (const [key, value] of Object.entries(fill)) {
    if (key === 'UserId' || key === 'InstanceId') skeleton[key] = value;
    else skeleton.IdentityInfo[key] = value;
  }
  return skeleton;
}

/** A fresh directory under the OS temp dir holding the given files (text, bytes, or an object as JSON). */
export function rosterDir(files: Record<string, string | Uint8Array | object>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-test-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export function rosterFile(name: string, content: string | Uint8Array | object): string {
  return path.join(rosterDir({ [name]: content }), name);
}

/** The RosterError that loading the path throws. */
export function loadError(rosterPath: string): RosterError {
  try {
    Roster.load(rosterPath);
  } catch (error) {
    if (error instanceof RosterError) return error;
    throw error;
  }
  throw new Error(`expected ${rosterPath} to fail to load`);
}

/** The problems of a roster, each formatted as the error lists it (`file: row 3 (...): Mobile (column F) ...`). */
export function problemLines(rosterPath: string): string[] {
  return Roster.check(rosterPath).map(formatProblem);
}

export function expectNoPersonalData(message: string): void {
  for (const value of PERSONAL) expect(message).not.toContain(value);
}

/** The leak check on every message: neither a problem's message nor any of its parts holds personal data. */
export function expectNoLeaks(problems: RosterProblem[]): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    expectNoPersonalData(formatProblem(problem));
    expectNoPersonalData(JSON.stringify(problem));
  }
}

export function userId(index: number): string {
  return `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
