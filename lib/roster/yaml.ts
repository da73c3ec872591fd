/**
 * YAML roster files (`--cli-input-yaml`). Every scalar is read as the text written, because every value
 * of a roster is text: `Mobile: +12065550100` keeps its "+", `FirstName: No` and `UserId: 0123` stay as
 * written, whatever YAML 1.1 or 1.2 would make of them. Only an empty value and `~` mean "no value";
 * an unquoted `null`, `Null` or `NULL` becomes a {@link BareNullWord} for the checks to report.
 *
 * The parser's own messages can quote the file (`Unresolved tag: !Okafor-Smith`), so problems are
 * worded here from the parser's error codes, with a line and column.
 */
import * as YAML from 'yaml';
import { formatCount, MAX_YAML_ALIAS_EXPANSION } from './limits';
import { RosterProblem } from './problems';
import { BareNullWord, KeyLocator, ParsedDocument } from './records';

/** What each of the parser's error codes means, in words that quote nothing from the file. */
const YAML_ERRORS: Readonly<Partial<Record<YAML.ErrorCode, string>>> = {
  ALIAS_PROPS: 'an alias (*name) carries an anchor or a tag, which it cannot',
  BAD_ALIAS: 'an alias (*name) is malformed',
  BAD_COLLECTION_TYPE: 'a list or mapping has a tag of another kind',
  BAD_DIRECTIVE: 'a directive (a line starting with %) is not one YAML knows',
  BAD_DQ_ESCAPE: 'a double-quoted value holds an invalid escape (\\): use single quotes, or write the backslash as \\\\',
  BAD_INDENT: 'a line is indented wrongly',
  BAD_PROP_ORDER: 'an anchor (&) or tag (!) is in the wrong place',
  BAD_SCALAR_START: 'a value starts with a character that YAML reserves (such as @ ` | > %): quote the value',
  BLOCK_AS_IMPLICIT_KEY: 'a key is missing its ":", or a value runs onto the next line',
  BLOCK_IN_FLOW: 'an indented block sits inside [...] or {...}',
  DUPLICATE_KEY: 'a key is given twice in one mapping: remove one of them',
  IMPOSSIBLE: 'the parser could not read this part',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters',
  MISSING_CHAR: 'a character is missing (a closing quote or bracket, or the ":" after a key)',
  MULTILINE_IMPLICIT_KEY: 'a key runs over more than one line, or a value is missing its key',
  MULTIPLE_ANCHORS: 'a value has more than one anchor (&)',
  MULTIPLE_DOCS: 'a directive (a line starting with %) is not followed by a document start (---)',
  MULTIPLE_TAGS: 'a value has more than one tag (!)',
  NON_STRING_KEY: 'a key is a list or a mapping, not text',
  RESOURCE_EXHAUSTION: 'lists or mappings are nested too deeply to read',
  TAB_AS_INDENT: 'a tab is used to indent (YAML indents with spaces)',
  TAG_RESOLVE_FAILED: 'a value starts with "!", which YAML reads as a tag: quote the value',
  UNEXPECTED_TOKEN: 'something is out of place (a stray character, or text where a key or a list item belongs)',
};

/** Plain scalars YAML reads as "no value" that can also be someone's name. */
const NULL_WORDS = /^(null|Null|NULL)$/;

const PARSE_OPTIONS = { schema: 'failsafe', prettyErrors: false, uniqueKeys: true } as const;

/** The file's documents, or `undefined` (and problems) when it is not valid YAML. */
export function parseYamlDocuments(file: string, text: string, problems: RosterProblem[]): ParsedDocument[] | undefined {
  const lineCounter = new YAML.LineCounter();
  const documents = [...YAML.parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter })];
  const found = documents.flatMap((document) => [...document.errors, ...document.warnings]);
  for (const error of found) {
    const at = lineCounter.linePos(error.pos[0]);
    problems.push({ file, message: `is not valid YAML: ${YAML_ERRORS[error.code] ?? 'syntax error'} (${error.code}, at line ${at.line}, column ${at.col})` });
  }
  const orphans = documents.flatMap(aliasesWithoutAnchor);
  for (const alias of orphans) {
    const at = lineCounter.linePos(alias.range?.[0] ?? 0);
    problems.push({
      file,
      message: `is not valid YAML: an alias (*name) at line ${at.line}, column ${at.col} has no anchor (&name) before it: define the anchor first`,
    });
  }
  if (found.length > 0 || orphans.length > 0) return undefined;

  const values: ParsedDocument[] = [];
  for (const document of documents) {
    // A stream that holds only comments has one document without contents.
    if (document.contents === null) continue;
    markNullWords(document);
    try {
      values.push({ value: document.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSION }), keyAt: keyLocator(document, lineCounter) });
    } catch (error) {
      // Every alias has its anchor (checked above), so the only ReferenceError left is the alias limit.
      if (!(error instanceof ReferenceError)) throw error;
      problems.push({
        file,
        message:
          `is refused: its aliases (*name) would copy anchored values more than ${formatCount(MAX_YAML_ALIAS_EXPANSION)} times, ` +
          'the limit that keeps an alias bomb from exhausting memory; write the values out, or alias less',
      });
      return undefined;
    }
  }
  return values;
}

/**
 * A JSON text as the YAML parser reads it (JSON is YAML): where it gives a key twice in one object, which
 * JSON.parse silently resolves to the last one, and where each of its keys is written.
 */
export function readJsonKeys(text: string): { duplicates: { line: number; column: number }[]; keyAt: KeyLocator } {
  const lineCounter = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { ...PARSE_OPTIONS, lineCounter });
  const duplicates = document.errors
    .filter((error) => error.code === 'DUPLICATE_KEY')
    .map((error) => {
      const at = lineCounter.linePos(error.pos[0]);
      return { line: at.line, column: at.col };
    });
  return { duplicates, keyAt: keyLocator(document, lineCounter) };
}

/** Where the keys of a parsed document are written: the position of a key, by its path. */
function keyLocator(document: YAML.Document, lineCounter: YAML.LineCounter): KeyLocator {
  return (keyPath) => {
    if (keyPath.length === 0) return undefined;
    const key = keyPath[keyPath.length - 1];
    const parent = keyPath.length === 1 ? document.contents : document.getIn(keyPath.slice(0, -1), true);
    if (!YAML.isMap(parent)) return undefined;
    const pair = parent.items.find((item) => (YAML.isScalar(item.key) ? String(item.key.value) : item.key) === key);
    const offset = YAML.isNode(pair?.key) ? pair.key.range?.[0] : undefined;
    if (offset === undefined) return undefined;
    const at = lineCounter.linePos(offset);
    return { line: at.line, column: at.col };
  };
}

/** Where the YAML parser, which reads JSON too, finds a JSON text's first error, if anywhere. */
export function firstYamlError(text: string): { line: number; column: number } | undefined {
  const lineCounter = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { schema: 'json', prettyErrors: false, lineCounter });
  const first = [...document.errors, ...document.warnings][0];
  if (!first) return undefined;
  const at = lineCounter.linePos(first.pos[0]);
  return { line: at.line, column: at.col };
}

/** Aliases used before (or without) an anchor of their name, in document order as YAML resolves them. */
function aliasesWithoutAnchor(document: YAML.Document): YAML.Alias[] {
  const anchors = new Set<string>();
  const unresolved: YAML.Alias[] = [];
  YAML.visit(document, {
    Node(_key, node) {
      if (YAML.isAlias(node)) {
        if (!anchors.has(node.source)) unresolved.push(node);
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
    },
  });
  return unresolved;
}

/** Plain `~` becomes null; plain `null`, `Null` or `NULL` becomes a {@link BareNullWord}. Keys stay text. */
function markNullWords(document: YAML.Document): void {
  YAML.visit(document, {
    Scalar(key, node) {
      if (key === 'key' || node.type !== YAML.Scalar.PLAIN) return;
      if (node.value === '~') node.value = null;
      else if (typeof node.value === 'string' && NULL_WORDS.test(node.value)) node.value = new BareNullWord();
    },
  });
}
