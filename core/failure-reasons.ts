/**
 * What the handler may say about a failure, in a Reason or a log line. CloudFormation's stack events and
 * CloudWatch Logs keep both for anyone with read access, so a failure is told only from parts that cannot
 * hold personal data: the operation, the error's code and HTTP status, the IDs of the instance and the
 * user, and the names of identity fields.
 *
 * The free text of an error (the API's message, a parser's complaint, an exception's message) is never
 * passed on. Services echo the values they refuse, in any letter case; Node's JSON errors quote the body
 * they could not read; no list of known values can scrub all of that.
 */
import { hasInstanceIdShape, IDENTITY_FIELDS, IdentityField, isUserId, parseInstanceReference } from '../lib/identity-rules';
import { DeadlineExceededError, PersistentFailureError } from './retry';

/** A failure whose message is fit for CloudFormation's Reason: it names IDs and fields, never values. */
export class DeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclarationError';
  }
}

/** Whom a message is about. Each part is printed only when it has the shape of what it claims to be. */
export interface Subject {
  /** The instance ID or instance ARN, as declared. */
  readonly instanceId?: unknown;
  /** The user ID, as declared or found; a value that is not ID-shaped is not printed. */
  readonly userId?: unknown;
  /** Whether the user is named by a Username (never printed) rather than by `userId`. */
  readonly byUsername?: boolean;
  /** The region, for messages about the instance itself. */
  readonly region?: string;
}

/**
 * How a message names an instance: `instance <id>`, from an instance ID or ARN, when the ID has the shape
 * of those Connect issues; otherwise `the declared instance`, since the value may be something else typed
 * in the wrong place (the API takes any 1 to 100 characters as an instance ID).
 */
export function describeInstance(instanceId: unknown): string {
  const id = typeof instanceId === 'string' ? parseInstanceReference(instanceId)?.instanceId : undefined;
  return hasInstanceIdShape(id) ? `instance ${id}` : 'the declared instance';
}

/**
 * The subject of a message: `user <id> in instance <id>`, or `instance <id> in <region>` when there is no
 * user. A Username is personal data and is never repeated; a UserId that is not ID-shaped may be one
 * typed in the wrong place (an email address, a login name), and is not repeated either.
 */
export function describeSubject(subject: Subject): string {
  const instance = describeInstance(subject.instanceId);
  let user: string | undefined;
  if (subject.userId !== undefined) user = isUserId(subject.userId) ? `user ${subject.userId}` : 'the declared user';
  else if (subject.byUsername) user = 'the user named by Username';
  if (user) return `${user} in ${instance}`;
  return subject.region ? `${instance} in ${subject.region}` : instance;
}

/** The names an SDK or Node.js error may carry: an identifier that ends in Exception, Error or Fault. */
const ERROR_NAME = /^[A-Z][A-Za-z0-9]{0,80}(?:Exception|Error|Fault)$/;
/** Node.js system and TLS error codes: `ENOTFOUND`, `ECONNRESET`, `CERT_HAS_EXPIRED`... */
const SYSTEM_ERROR_CODE = /^[A-Z][A-Z0-9_]{1,60}$/;

/**
 * The code of an error, safe to print: the exception's name (`ThrottlingException`, `SyntaxError`), or
 * Node's error code (`ENOTFOUND`) for a plain `Error`. An answer without an error type (a bare 429 from
 * a load balancer, say) is an `untyped error`; anything else an `unnamed error`: names and codes can
 * come from a server, and only identifier-shaped ones are let through.
 */
export function errorCode(error: unknown): string {
  if (!(error instanceof Error)) return 'unnamed error';
  if (ERROR_NAME.test(error.name)) return error.name;
  // The SDK names an error answer without a type `Unknown`.
  if (error.name === 'Unknown' && httpStatusOf(error) !== undefined) return 'untyped error';
  const code = (error as { code?: unknown }).code;
  // An SDK exception copies the fields of the error body onto itself, so a `code` is trusted only on
  // errors that did not come from a service answer.
  if (httpStatusOf(error) === undefined && typeof code === 'string' && SYSTEM_ERROR_CODE.test(code)) return code;
  return 'unnamed error';
}

/** The HTTP status of the answer an SDK error came from, if there was one. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** `ThrottlingException, HTTP 429`: the code of an error and, if it came with an answer, its status. */
export function describeError(error: unknown): string {
  const status = httpStatusOf(error);
  return status === undefined ? errorCode(error) : `${errorCode(error)}, HTTP ${status}`;
}

/** A field's API name standing on its own: `Email` is not found inside `SecondaryEmail` or `Emails`. */
const FIELD_NAME_IN_TEXT = new RegExp(`(?<![A-Za-z])(${IDENTITY_FIELDS.join('|')})(?![A-Za-z])`, 'g');

/**
 * The identity fields an error's message names, by their API names: only the names are taken from the
 * message, never the text around them.
 */
export function fieldsNamedBy(error: unknown): IdentityField[] {
  const message = error instanceof Error ? error.message : '';
  const named = new Set([...message.matchAll(FIELD_NAME_IN_TEXT)].map((match) => match[1] as IdentityField));
  return IDENTITY_FIELDS.filter((field) => named.has(field));
}

/** What to do about a persistent network error, by its code. */
function persistentFailureAdvice(code: string): string {
  if (code === 'ENOTFOUND') {
    return "the Amazon Connect endpoint's host name does not resolve; check the region of the instance ARN (or the handler's AWS_REGION), and that Amazon Connect is offered there";
  }
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH') {
    return 'the network of the Amazon Connect endpoint is unreachable from the handler; check its network configuration';
  }
  return 'the TLS connection to the Amazon Connect endpoint could not be set up; check for a proxy or a custom endpoint in the way';
}

/**
 * Explains a failed call to Amazon Connect for a Reason: the subject, the operation, the error's code and
 * HTTP status, and the identity fields its message names, with what to do. `declaredFields` are the
 * fields the declaration sets; a named field outside them is a value Connect holds. An abort (the
 * invocation gave up waiting) is returned as it is, for the caller to report as a time-out.
 */
export function explainSdkError(
  error: unknown,
  operation: string,
  subject: Subject,
  declaredFields: readonly IdentityField[] = [],
): Error {
  // Already explained (a held value Connect would refuse, found by a read inside the call; the guard's refusal)
  if (error instanceof DeclarationError) return error;
  const who = describeSubject(subject);
  if (error instanceof DeadlineExceededError) {
    const status = httpStatusOf(error.lastError);
    const last = status === undefined ? '' : `, the last answered with HTTP ${status},`;
    return new DeclarationError(
      `${who}: ${operation} still failed (${errorCode(error.lastError)}) after ${error.attempts} attempts${last} when the invocation's time ran out; deploy again, or raise the handler's timeout`,
    );
  }
  if (error instanceof PersistentFailureError) {
    const code = errorCode(error.lastError);
    return new DeclarationError(`${who}: ${operation} failed with ${code} after ${error.attempts} attempts: ${persistentFailureAdvice(code)}`);
  }
  if (!(error instanceof Error)) return new DeclarationError(`${who}: ${operation} failed with ${errorCode(error)}`);
  if (error.name === 'AbortError' || (httpStatusOf(error) === undefined && /abort/i.test(error.name))) return error;

  const facts = describeError(error);
  switch (error.name) {
    case 'ResourceNotFoundException':
      return new DeclarationError(`${who} not found (${operation}: ${facts})`);
    case 'AccessDeniedException':
      return new DeclarationError(`${who}: access denied to connect:${operation}; the handler's role must allow it on this resource (${facts})`);
    case 'InvalidParameterException':
    case 'InvalidRequestException':
      return new DeclarationError(`${who}: Amazon Connect rejected ${operation} (${facts})${aboutFields(fieldsNamedBy(error), declaredFields)}`);
    case 'SyntaxError':
      return new DeclarationError(`${who}: the answer to ${operation} could not be read (${facts}); deploy again`);
    default:
      return new DeclarationError(`${who}: ${operation} failed with ${facts}`);
  }
}

/** What a rejection says about fields: which it names, and which of those Connect holds rather than the declaration. */
function aboutFields(named: readonly IdentityField[], declared: readonly IdentityField[]): string {
  if (named.length === 0) return '';
  const held = named.filter((field) => !declared.includes(field));
  const heldAdvice =
    held.length === 0
      ? ''
      : `; ${held.join(', ')} ${held.length === 1 ? 'is' : 'are'} not declared here, so the value Connect holds was refused: declare ${held.join(', ')} to replace it`;
  return `; its message names ${named.join(', ')}${heldAdvice}`;
}
