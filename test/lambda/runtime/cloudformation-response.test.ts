/**
 * CloudFormation refuses an answer of more than 4,096 bytes, and a refused answer leaves the stack
 * waiting. The answer is measured as it is sent: serialized, in UTF-8 bytes.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { CloudFormationAnswer, MAX_ANSWER_BYTES, sendAnswer, serializeAnswer } from '../../../lambda/runtime/cloudformation-response';
import { closeNow } from '../../support/local-server';

const BASE: CloudFormationAnswer = {
  Status: 'FAILED',
  PhysicalResourceId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111/87654321-2222-1234-1234-111234567891',
  StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/Agents/${'0'.repeat(36)}`,
  RequestId: '00000000-0000-4000-8000-000000000000',
  LogicalResourceId: 'AgentMaryMajor1A2B3C4D',
};

const withReason = (Reason: string): CloudFormationAnswer => ({ ...BASE, Reason });

/** The Reason of a serialized answer, and that the whole answer parses. */
function reasonOf(body: string): string {
  return (JSON.parse(body) as CloudFormationAnswer).Reason ?? '';
}

describe('serializeAnswer', () => {
  test('leaves an answer that fits as it is', () => {
    const answer = withReason('user 8765… in instance a1b2…: LastName is not in Unicode Normalization Form C');
    expect(serializeAnswer(answer)).toBe(JSON.stringify(answer));
  });

  test.each([
    // 1,000 control characters: 6 bytes each once escaped, 5,984 bytes of answer before the cut
    ['control characters', '\u0001'.repeat(1_000)],
    ['ASCII', 'x'.repeat(5_000)],
    ['two-byte characters', 'é'.repeat(3_000)],
    ['emoji outside the BMP (two UTF-16 units, four bytes)', '😀'.repeat(1_500)],
    ['letters with combining accents', 'e\u0301'.repeat(2_000)],
    ['quotes and backslashes', '"\\'.repeat(2_000)],
    ['a mix', 'Ä\u0002😀"e\u0301x'.repeat(600)],
  ])('cuts a Reason of %s to an answer of at most 4,096 bytes, between whole characters', (_kind, reason) => {
    // GIVEN an answer whose Reason makes it too large
    expect(Buffer.byteLength(JSON.stringify(withReason(reason)))).toBeGreaterThan(MAX_ANSWER_BYTES);

    // WHEN it is serialized
    const body = serializeAnswer(withReason(reason));

    // THEN it fits, parses, and its Reason is the start of the original, cut between characters, then "..."
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_ANSWER_BYTES - 16);
    const cut = reasonOf(body);
    expect(cut.endsWith('...')).toBe(true);
    const kept = cut.slice(0, -3);
    expect(reason.startsWith(kept)).toBe(true);
    expect(kept).not.toMatch(/\p{Surrogate}/u);
    // No character as a reader sees it is split: what follows the cut starts a new one
    const segments = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(reason)].map((part) => part.index);
    expect(segments).toContain(kept.length);
  });
});

describe('sendAnswer', () => {
  let server: http.Server;
  let url: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
  });

  afterAll(() => closeNow(server));

  test('PUTs at most 4,096 bytes when the Reason is made of control characters', async () => {
    // GIVEN a Reason of 1,000 control characters
    const answer = withReason('\u0001'.repeat(1_000));

    // WHEN the answer is sent
    const delivery = await sendAnswer(url, answer, { deadline: Date.now() + 5_000 });

    // THEN what arrived fits CloudFormation's limit and holds the start of the Reason
    expect(delivery.delivered).toBe(true);
    const body = bodies.at(-1)!;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    expect(reasonOf(body)).toMatch(/^\u0001+\.\.\.$/);
    expect(JSON.parse(body)).toMatchObject({ Status: 'FAILED', RequestId: BASE.RequestId });
  });
});
