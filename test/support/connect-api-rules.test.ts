/**
 * The emulator's reading of the API Reference against the library's rules: where they agree, and where
 * the library is deliberately stricter than the API (it anchors patterns the API leaves open, and asks
 * Email to look like an address). The library is never looser: a value it accepts, the API accepts.
 */
import { IdentityManagementType, validateIdentityInfo } from '../../lib/identity-rules';
import { findApiViolations } from './connect-api-rules';

const apiRefuses = (info: Record<string, unknown>, type: IdentityManagementType) => findApiViolations(info, type).map((violation) => violation.field);
const libraryRefuses = (info: Record<string, unknown>, type: IdentityManagementType) =>
  validateIdentityInfo(info, { identityManagementType: type }).map((problem) => problem.field);

test.each([
  ['a decomposed name', { FirstName: 'Jose\u0301' }, 'CONNECT_MANAGED', ['FirstName']],
  ['an empty name where Connect manages identities', { LastName: '' }, 'CONNECT_MANAGED', ['LastName']],
  ['an empty name on SAML', { LastName: '' }, 'SAML', []],
  ['a last name of 257 characters where Connect manages identities', { LastName: 'x'.repeat(257) }, 'CONNECT_MANAGED', ['LastName']],
  ['a last name of 300 characters on SAML', { LastName: 'x'.repeat(300) }, 'SAML', []],
  ['a last name of 301 characters on SAML', { LastName: 'x'.repeat(301) }, 'SAML', ['LastName']],
  ['255 emoji as a first name (code points, not UTF-16 units)', { FirstName: '😀'.repeat(255) }, 'CONNECT_MANAGED', []],
  ['Email on SAML', { Email: 'a@example.com' }, 'SAML', ['Email']],
  ['names on an existing directory', { FirstName: 'A', LastName: 'B', Mobile: '+12065550100' }, 'EXISTING_DIRECTORY', ['FirstName', 'LastName']],
  ['a Mobile without its "+"', { Mobile: '12065550100' }, 'CONNECT_MANAGED', ['Mobile']],
  ['a Mobile of 16 digits', { Mobile: '+1234567890123456' }, 'CONNECT_MANAGED', ['Mobile']],
  ['a SecondaryEmail of 266 characters', { SecondaryEmail: `${'a'.repeat(254)}@example.com` }, 'CONNECT_MANAGED', ['SecondaryEmail']],
  ['a SecondaryEmail with a one-letter top-level domain', { SecondaryEmail: 'a@b.c' }, 'CONNECT_MANAGED', ['SecondaryEmail']],
] as const)('both refuse, or both accept, %s', (_case, info, type, refused) => {
  expect(apiRefuses(info, type)).toEqual(refused);
  expect(libraryRefuses(info, type)).toEqual(refused);
});

test.each([
  // The API's Mobile pattern is anchored at its end only: text before the number passes.
  ['a Mobile with a prefix', { Mobile: 'tel:+12065550100' }],
  // SecondaryEmail's pattern is anchored at its start only (by its look-ahead): text after the address passes.
  ['a SecondaryEmail with text after it', { SecondaryEmail: 'pager@example.com (old)' }],
  // The API documents no rule for Email; the library asks for something shaped like an address.
  ['an Email that is no address', { Email: 'not an address' }],
])('the API accepts, and the library refuses, %s', (_case, info) => {
  expect(apiRefuses(info, 'CONNECT_MANAGED')).toEqual([]);
  expect(libraryRefuses(info, 'CONNECT_MANAGED')).toEqual(Object.keys(info));
});
