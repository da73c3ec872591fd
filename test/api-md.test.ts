/**
 * API.md, as jsii-docgen writes it from the doc comments: its links work. jsii-docgen passes a doc
 * comment's Markdown through and leaves a TSDoc `{@link X}` as that raw text, so public doc comments
 * link with Markdown to the anchors it writes (`[Roster.fromPath](#connect-user-identity.Roster.fromPath)`).
 * That API.md is fresh is checked with the packed library (test/package/package.test.ts).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const API_MD = readFileSync(path.join(__dirname, '..', 'API.md'), 'utf8');

test('API.md shows no raw {@link} tag', () => {
  expect(API_MD.split('\n').filter((line) => line.includes('{@link'))).toEqual([]);
});

test("every link to a place in API.md leads to one of its anchors", () => {
  // GIVEN the anchors jsii-docgen writes, and every in-page link of the text (Markdown and HTML)
  const anchors = new Set([...API_MD.matchAll(/ id="([^"]+)"/g)].map((match) => match[1]));
  const links = [...API_MD.matchAll(/\]\(#([^)]+)\)|href="#([^"]+)"/g)].map((match) => match[1] ?? match[2]);
  expect(links.filter((link) => link.startsWith('connect-user-identity.')).length).toBeGreaterThan(5);
  // THEN each leads somewhere
  expect(links.filter((link) => !anchors.has(link))).toEqual([]);
});
