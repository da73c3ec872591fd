/**
 * Bytes to text. A roster file is read as UTF-8 (with or without a byte order mark) or as UTF-16 with a
 * byte order mark (Excel's "Unicode Text", PowerShell 5's `>`). Anything else is refused with what the
 * file seems to be and how to save it, because decoding it as UTF-8 would replace each accented letter
 * with U+FFFD and write `Jos\uFFFD` to Connect.
 */
import * as chardet from 'chardet';
import { lineAndColumn, RosterProblem } from './problems';

/** How to save a file as UTF-8 in the tools that produce rosters. */
const SAVE_AS_UTF8 =
  'save it as UTF-8 (Excel: Save As > "CSV UTF-8 (Comma delimited)"; Notepad: Save As > Encoding "UTF-8"; ' +
  "PowerShell: Out-File -Encoding utf8), or convert it with iconv -f <encoding> -t UTF-8";

interface ByteOrderMark {
  readonly bytes: readonly number[];
  /** The encoding as TextDecoder names it, or `undefined` for one the loader does not read. */
  readonly encoding?: 'utf-8' | 'utf-16le' | 'utf-16be';
  readonly name: string;
}

/** Longest first: a UTF-32 LE mark starts with the UTF-16 LE one. */
const BYTE_ORDER_MARKS: readonly ByteOrderMark[] = [
  { bytes: [0xff, 0xfe, 0x00, 0x00], name: 'UTF-32 LE' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], name: 'UTF-32 BE' },
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8', name: 'UTF-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le', name: 'UTF-16 LE' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be', name: 'UTF-16 BE' },
];

/** Files that are not text at all but are often saved with a roster's name by mistake. */
const BINARY_SIGNATURES: readonly { bytes: readonly number[]; message: string }[] = [
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    message: 'is a ZIP archive, not text: an Excel workbook (.xlsx) renamed? In Excel, use Save As > "CSV UTF-8 (Comma delimited)"',
  },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0],
    message: 'is an Excel 97-2003 workbook (.xls), not text: in Excel, use Save As > "CSV UTF-8 (Comma delimited)"',
  },
];

/** The text of a file, or `undefined` and a problem when its bytes are not text the loader reads. */
export function decodeRosterText(file: string, bytes: Uint8Array, problems: RosterProblem[]): string | undefined {
  const refuse = (message: string) => {
    problems.push({ file, message });
    return undefined;
  };
  const binary = BINARY_SIGNATURES.find((signature) => startsWith(bytes, signature.bytes));
  if (binary) return refuse(binary.message);
  const mark = BYTE_ORDER_MARKS.find((candidate) => startsWith(bytes, candidate.bytes));
  if (mark && mark.encoding === undefined) return refuse(`is ${mark.name} text, which a roster cannot be: ${SAVE_AS_UTF8}`);
  const encoding = mark?.encoding ?? 'utf-8';
  // UTF-8 text never holds a NUL byte; UTF-16 text of Latin letters is every other byte NUL.
  if (encoding === 'utf-8' && bytes.includes(0)) {
    return refuse(`holds NUL bytes: it is probably UTF-16 without a byte order mark, or not a text file; ${SAVE_AS_UTF8}`);
  }
  const body = bytes.subarray(mark?.bytes.length ?? 0);
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return refuse(undecodableMessage(body, encoding, mark?.name));
  }
  const replaced = text.indexOf('\uFFFD');
  if (replaced !== -1) {
    return refuse(
      `holds the replacement character U+FFFD (�) on line ${lineAndColumn(text, replaced).line}: a character was lost when ` +
        'the file was converted between encodings before; retype it',
    );
  }
  return text;
}

function undecodableMessage(body: Uint8Array, encoding: string, markName: string | undefined): string {
  // Decoding again without `fatal` only to find where the first bad byte is; that text is then dropped.
  const lenient = new TextDecoder(encoding, { ignoreBOM: true }).decode(body);
  const { line } = lineAndColumn(lenient, lenient.indexOf('\uFFFD'));
  if (markName) {
    return `starts with a ${markName} byte order mark but is not valid ${markName} (line ${line} holds a broken character): ${SAVE_AS_UTF8}`;
  }
  return `is not UTF-8 text (line ${line} holds the first byte that is not UTF-8)${guessOf(body)}; nothing is read from it, so no character is changed: ${SAVE_AS_UTF8}`;
}

/** What the bytes seem to be, as far as a detector can tell, in words a person recognizes. */
function guessOf(body: Uint8Array): string {
  const guess = chardet.detect(body);
  if (!guess) return '';
  const western = /^(windows-1252|ISO-8859-1|ISO-8859-15)$/i.test(guess)
    ? ', the Western European "ANSI" encoding that Excel\'s "CSV (Comma delimited)" and Notepad\'s "ANSI" save'
    : '';
  return `; its bytes look like ${guess}${western}`;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}
