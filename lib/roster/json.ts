/**
 * JSON roster files, read strictly like `--cli-input-json`. Their documents go on to
 * {@link recordsOfDocuments}. A key given twice in one object is reported (JSON.parse would silently keep
 * the last one), and parser messages are reduced to words that never quote the file's text.
 */
import { lineAndColumn, RosterProblem } from './problems';
import { ParsedDocument } from './records';
import { firstYamlError, readJsonKeys } from './yaml';

/** The file's one document, or `undefined` (and problems) when it is not valid JSON. */
export function parseJsonDocuments(file: string, text: string, problems: RosterProblem[]): ParsedDocument[] | undefined {
  if (text.trim() === '') return [];
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const raw = error instanceof Error ? error.message : '';
    const position = /at position (\d+)/.exec(raw);
    const at = position ? lineAndColumn(text, Number(position[1])) : firstYamlError(text);
    const where = at ? `, at line ${at.line}, column ${at.column}` : '';
    problems.push({ file, message: `is not valid JSON (${safeReason(raw)}${where}); fix it, or check it with a JSON linter` });
    return undefined;
  }
  const { duplicates, keyAt } = readJsonKeys(text);
  for (const at of duplicates) {
    problems.push({
      file,
      message: `gives a key twice in one object (the second time at line ${at.line}, column ${at.column}); JSON would keep only the last one: remove one of them`,
    });
  }
  return duplicates.length > 0 ? undefined : [{ value: document, keyAt }];
}

/**
 * The first clause of V8's message, which says what is wrong ("Unexpected token", "Expected ',' or '}'
 * after property value"), without the quoted token or text around it, which may be personal data.
 */
function safeReason(raw: string): string {
  const reason = raw
    .replace(/, ".*$/s, '')
    .replace(/( in JSON)? at position \d+.*$/s, '')
    .replace(/^(Unexpected token)\b.*$/s, '$1');
  // Anything left but plain words and quoted JSON punctuation ("',' or '}'") could be quoted text: say less.
  return /^[A-Za-z ]{1,80}$/.test(reason.replace(/'[,:{}[\]]'/g, '')) ? reason : 'syntax error';
}
