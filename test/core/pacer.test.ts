import { DEFAULT_PACER_SETTINGS, DEFAULT_QUOTA_RATES, OperationPacer, Pacer, PacerTicket } from '../../core/pacer';
import { VirtualClock } from '../support/virtual-clock';

/** Sends `count` requests through the pacer against a token bucket; returns when each was accepted. */
async function drive(clock: VirtualClock, pacer: OperationPacer, count: number, bucket: { rate: number; burst: number }) {
  let tokens = bucket.burst;
  let at = clock.now();
  const take = () => {
    tokens = Math.min(bucket.burst, tokens + ((clock.now() - at) / 1000) * bucket.rate);
    at = clock.now();
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const accepted: number[] = [];
  let requests = 0;
  const one = async () => {
    for (let retry = false; ; retry = true) {
      const ticket: PacerTicket = await pacer.acquire({ first: retry });
      requests++;
      await clock.sleep(20);
      if (take()) {
        pacer.succeeded(ticket);
        accepted.push(clock.now());
        return;
      }
      pacer.throttled(ticket);
    }
  };
  await clock.run(Promise.all(Array.from({ length: count }, one)));
  return { accepted, requests };
}

describe('OperationPacer', () => {
  test('spaces requests at its rate, one at a time', async () => {
    // GIVEN a pacer at 2 requests a second and no throttling
    const clock = new VirtualClock();
    const pacer = new OperationPacer(clock, { ...DEFAULT_PACER_SETTINGS, probeGrowth: 0, growth: 0 });

    // WHEN ten requests wait for it at once
    const { accepted } = await drive(clock, pacer, 10, { rate: 1_000, burst: 1_000 });

    // THEN they leave 500 ms apart
    const gaps = accepted.slice(1).map((time, index) => time - accepted[index]);
    for (const gap of gaps) expect(gap).toBeCloseTo(500, 0);
  });

  test('finds a raised quota by itself, and then stays near it with few throttled requests', async () => {
    // GIVEN Connect letting through 50 requests a second, and a pacer that starts at the default 2
    const clock = new VirtualClock();
    const pacer = new OperationPacer(clock);

    // WHEN 2,000 requests go through it
    const { accepted, requests } = await drive(clock, pacer, 2_000, { rate: 50, burst: 5 });

    // THEN it ends close to the time the bucket needs, with at most a few percent of requests throttled
    const seconds = (accepted[accepted.length - 1] - accepted[0]) / 1000;
    expect(seconds).toBeLessThan((1.25 * 2_000) / 50);
    expect(requests / 2_000).toBeLessThan(1.1);
    expect(pacer.rate).toBeGreaterThan(30);
    expect(pacer.rate).toBeLessThan(60);
  });

  test('after a throttle, waits a whole interval at the new rate, counted from the throttle', async () => {
    // GIVEN a pacer at 10 requests a second whose request sent at 0 is throttled 40 ms later
    const clock = new VirtualClock(0);
    const pacer = new OperationPacer(clock, { ...DEFAULT_PACER_SETTINGS, initialRate: 10, probeGrowth: 0 });
    const first = await clock.run(pacer.acquire());
    await clock.run(clock.sleep(40));
    pacer.throttled(first);
    const cut = pacer.rate;

    // WHEN the next request asks for its slot
    const next = await clock.run(pacer.acquire());

    // THEN it leaves a full interval at the cut rate after the throttle, not one after the throttled request
    expect(cut).toBeLessThan(10);
    expect(next.sentAt).toBeCloseTo(40 + 1000 / cut, 0);
  });

  test('cuts its rate once per congestion, not once per throttled request in flight', () => {
    // GIVEN a pacer with measured successes at 10 requests a second
    const clock = new VirtualClock(0);
    const pacer = new OperationPacer(clock, { ...DEFAULT_PACER_SETTINGS, initialRate: 10 });
    for (let index = 0; index < 16; index++) {
      (clock as unknown as { time: number }).time = index * 100;
      pacer.succeeded({ sentAt: clock.now(), paced: false });
    }
    const before = pacer.rate;

    // WHEN three requests sent before the congestion come back throttled
    (clock as unknown as { time: number }).time = 1_600;
    pacer.throttled({ sentAt: 1_550, paced: true });
    const afterFirst = pacer.rate;
    pacer.throttled({ sentAt: 1_560, paced: true });
    pacer.throttled({ sentAt: 1_570, paced: true });

    // THEN the rate was cut once, to the backoff share of the success rate measured up to now (15 in 1.6 s)
    expect(afterFirst).toBeCloseTo(DEFAULT_PACER_SETTINGS.backoff * Math.min(before, 15 / 1.6), 5);
    expect(pacer.rate).toBe(afterFirst);
  });

  test('does not grow while the demand, not the pacer, sets the pace', async () => {
    // GIVEN a pacer at its initial rate
    const clock = new VirtualClock();
    const pacer = new OperationPacer(clock);

    // WHEN requests come one by one, each after the previous has ended and a pause
    for (let index = 0; index < 50; index++) {
      const ticket = await clock.run(pacer.acquire());
      pacer.succeeded(ticket);
      await clock.run(clock.sleep(2_000));
    }

    // THEN the rate has not grown: no request waited for its slot
    expect(pacer.rate).toBe(DEFAULT_PACER_SETTINGS.initialRate);
  });

  test('stops waiting when its signal aborts', async () => {
    // GIVEN a pacer with one request queued behind another
    const clock = new VirtualClock();
    const pacer = new OperationPacer(clock, { ...DEFAULT_PACER_SETTINGS, initialRate: 0.1 });
    const controller = new AbortController();
    await clock.run(pacer.acquire());
    const queued = pacer.acquire({ signal: controller.signal });

    // WHEN the signal aborts
    controller.abort(new Error('the invocation is ending'));

    // THEN the waiting request is rejected at once
    await expect(queued).rejects.toThrow('the invocation is ending');
  });
});

describe('Pacer', () => {
  test("starts each operation at its own initial rate when given one, and the others at the settings'", () => {
    // GIVEN a pacer told where DescribeUser starts
    const pacer = new Pacer(new VirtualClock(), DEFAULT_PACER_SETTINGS, {}, { DescribeUser: DEFAULT_QUOTA_RATES.DescribeUser });
    // THEN DescribeUser starts at its default quota, and an operation not named at the settings' rate
    expect(pacer.of('DescribeUser').rate).toBe(10);
    expect(pacer.of('UpdateUserIdentityInfo').rate).toBe(DEFAULT_PACER_SETTINGS.initialRate);
  });
});
