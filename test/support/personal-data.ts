/**
 * The one assertion every end-to-end scenario makes about what a handler leaves behind: its log output
 * (stdout and stderr, as CloudWatch Logs would keep them) and every Reason and PhysicalResourceId it
 * PUT to the ResponseURL (as stack events and the console show them) hold no identity value, no
 * username and no part of the ResponseURL that would let someone answer in CloudFormation's place.
 * A value counts in any letter case too (services echo values re-cased), where it stands apart from
 * other letters: a short name such as "Obi" is not found inside the word "Mobile".
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { Invocation } from './cloudformation-driver';

/** One place where a secret was found. */
export interface Leak {
  /** Where: `stdout`, `stderr`, or `Reason of PUT 1`... */
  readonly where: string;
  /** What was found (test data, so it can be shown). */
  readonly secret: string;
}

/**
 * The secrets an event carries: the declared identity values and Username of its properties and of its
 * old properties, and the ResponseURL with its signing parts.
 */
export function secretsOfEvent(event: CloudFormationCustomResourceEvent): string[] {
  const secrets: string[] = [];
  const fromProperties = (properties: unknown) => {
    if (properties === null || typeof properties !== 'object') return;
    const { IdentityInfo, Username } = properties as { IdentityInfo?: unknown; Username?: unknown };
    if (IdentityInfo !== null && typeof IdentityInfo === 'object') {
      secrets.push(...Object.values(IdentityInfo).filter((value): value is string => typeof value === 'string'));
    }
    if (typeof Username === 'string') secrets.push(Username);
  };
  fromProperties(event.ResourceProperties);
  if ('OldResourceProperties' in event) fromProperties(event.OldResourceProperties);
  secrets.push(...secretsOfResponseUrl(event.ResponseURL));
  return secrets;
}

/** The ResponseURL, its object key and its signing query parameters. */
function secretsOfResponseUrl(responseUrl: unknown): string[] {
  if (typeof responseUrl !== 'string') return [];
  const secrets = [responseUrl, 'X-Amz-Signature', 'X-Amz-Credential'];
  try {
    const url = new URL(responseUrl);
    secrets.push(url.pathname.slice(1), decodeURIComponent(url.pathname.slice(1)));
    for (const name of ['X-Amz-Signature', 'X-Amz-Credential']) {
      const value = url.searchParams.get(name);
      if (value) secrets.push(value);
    }
  } catch {
    // Not a URL: the whole string is still a secret.
  }
  return secrets;
}

/**
 * The forms in which a value could show up: as it is, in either Unicode normalization, and a phone
 * number also without its "+". Values shorter than 3 characters are not searched for: they would match
 * ordinary words.
 */
function formsOf(secret: string): string[] {
  if (secret.length < 3) return [];
  const forms = new Set([secret, secret.normalize('NFC'), secret.normalize('NFD')]);
  if (/^\+\d{3,}$/.test(secret)) forms.add(secret.slice(1));
  return [...forms];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A text searched for secrets, with its re-cased forms made once (a whole center's secrets are many thousands). */
interface SearchedText {
  readonly text: string;
  readonly upper: string;
  readonly lower: string;
}

/** Whether `secret` is in `text`: as it is anywhere, or re-cased where no letter touches it. */
function appearsIn({ text, upper, lower }: SearchedText, secret: string): boolean {
  if (text.includes(secret)) return true;
  // A re-cased match is also one of the re-cased texts holding the re-cased secret (letters equal under case
  // folding have equal upper or lower cases): without that, no pattern need be built.
  if (!upper.includes(secret.toUpperCase()) && !lower.includes(secret.toLowerCase())) return false;
  const standingApart = (haystack: string, needle: string, flags: string) =>
    new RegExp(`(?<!\\p{L})${escapeRegExp(needle)}(?!\\p{L})`, flags).test(haystack);
  // Upper-casing can change a text's length ("ß" becomes "SS"), so each case is compared in its own form.
  return standingApart(text, secret, 'iu') || standingApart(upper, secret.toUpperCase(), 'u') || standingApart(lower, secret.toLowerCase(), 'u');
}

/** Every place in an invocation's output and answers where one of the secrets appears. */
export function findLeaks(invocation: Pick<Invocation, 'stdout' | 'stderr' | 'puts'>, secrets: Iterable<string>): Leak[] {
  const places: [string, string | undefined][] = [
    ['stdout', invocation.stdout],
    ['stderr', invocation.stderr],
  ];
  invocation.puts.forEach((put, index) => {
    places.push([`Reason of PUT ${index + 1}`, put.body?.Reason]);
    places.push([`PhysicalResourceId of PUT ${index + 1}`, put.body?.PhysicalResourceId]);
  });
  const forms = [...new Set([...secrets].flatMap(formsOf))];
  const leaks: Leak[] = [];
  for (const [where, text] of places) {
    if (!text) continue;
    const searched = { text, upper: text.toUpperCase(), lower: text.toLowerCase() };
    for (const secret of forms) if (appearsIn(searched, secret)) leaks.push({ where, secret });
  }
  return leaks;
}
