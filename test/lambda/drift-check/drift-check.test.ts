import { endOfRequest } from '../../../lambda/drift-check/drift-check';

const FIRED = '2026-12-07T09:00:00Z';
const FIRED_MS = Date.parse(FIRED);
const HOUR_MS = 3_600_000;

describe('when a requested drift check must end', () => {
  test('maxDurationSeconds after the schedule fired, however late the check starts', () => {
    // GIVEN a check of a cron schedule, given 50 minutes, that starts 2 minutes after its event's time
    const end = endOfRequest({ action: 'check-drift', scheduledAt: FIRED, maxDurationSeconds: 3_000 }, FIRED_MS + 120_000);
    // THEN it ends 50 minutes after the event's time
    expect(end).toBe(FIRED_MS + 3_000_000);
  });

  test('maxDurationSeconds after it started, when run on demand', () => {
    expect(endOfRequest({ action: 'check-drift', maxDurationSeconds: 600 }, FIRED_MS)).toBe(FIRED_MS + 600_000);
  });

  test("at 95% of intervalSeconds, the payload of a rule deployed before maxDurationSeconds", () => {
    expect(endOfRequest({ action: 'check-drift', scheduledAt: FIRED, intervalSeconds: 3_600 }, FIRED_MS + 1_000)).toBe(FIRED_MS + 0.95 * HOUR_MS);
  });

  test('maxDurationSeconds wins over intervalSeconds', () => {
    expect(endOfRequest({ action: 'check-drift', scheduledAt: FIRED, intervalSeconds: 3_600, maxDurationSeconds: 60 }, FIRED_MS)).toBe(FIRED_MS + 60_000);
  });

  test.each([
    ['no limit', { action: 'check-drift' as const }],
    ['an unreadable time', { action: 'check-drift' as const, scheduledAt: 'not a time', intervalSeconds: 60 }],
    ['a limit that is not a positive number', { action: 'check-drift' as const, scheduledAt: FIRED, maxDurationSeconds: -5 }],
  ])('an hour after it started, given %s', (_, request) => {
    expect(endOfRequest(request, FIRED_MS + 5_000)).toBe(FIRED_MS + 5_000 + HOUR_MS);
  });
});
