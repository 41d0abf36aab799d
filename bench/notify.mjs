// WeChat Pay notifications (POST /webhooks/wechatpay): what one costs the server, and how much of
// that is checking it. Two measurements in one run:
// 1. In process, packages/api's own code (loaded from source through tsx), per notification: the
//    RSA-SHA256 signature with WeChat Pay's public key, the nonce replay check (in this process's
//    memory, as the server below keeps them; also Redis's SET NX EX when Redis answers), the
//    AES-256-GCM decryption of the resource, and readPaymentNotification whole (all of these plus
//    the headers, the timestamp and both JSON parses). Medians of rounds.
// 2. Over HTTP, wrk replaying notifications signed in advance (bench/notify.lua) against the
//    benchmarks' server as http-load.mjs runs it (production mode, LOG_LEVEL=info, MariaDB, no
//    Redis, server on core 0, wrk on core 1): (a) duplicates of paid orders (1000, in turn), WeChat
//    Pay's retries (verify, decrypt, read the order, 200 without effect); (b) first notifications of pending
//    orders (PENDING_PAYMENT → PAID: the guarded update, its order_events row, the paid job and the
//    payments row in one transaction). req/s, p50/p99 and server CPU per request (/proc), medians of
//    alternating rounds, and the share of that CPU which step 1 accounts for.
// The notifications are the WeChat mock's (@app/wechat-mock's WeChatPayMock, made here with
// production-shaped merchant values, so that a production server accepts its keys): each its own
// id, nonce and signature, timestamped just before its round (the server refuses a nonce it has
// seen, and timestamps more than 5 minutes off). Writes bench/out/notify.json.
// Usage: node bench/notify.mjs [--seconds 5] [--rounds 3] [--connections 50] [--threads 2] [--micro 2000]
import { createSecretKey } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBenchServer } from './build-server.mjs';
import {
  benchDatabase,
  loadArgs,
  median,
  migrate,
  numberArg as arg,
  OUT_DIR,
  pinning,
  processGroup,
  productionEnv,
  retryingWrk,
  ROOT,
  runWrk,
  startServer,
  summarize,
  testSupport,
  tsSource,
  writeOutput,
} from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log(
    [
      'Usage: node bench/notify.mjs [--seconds 5] [--rounds 3] [--connections 50] [--threads 2] [--micro 2000]',
      '  --seconds, --rounds         length of each wrk run, and alternating rounds of the two HTTP cases',
      '  --connections, --threads    wrk -c and -t',
      '  --micro                     notifications per in-process round (7 rounds after one warm-up)',
      '(npm run build first; needs MariaDB and wrk: npm run setup. Redis, at TEST_REDIS_URL or 127.0.0.1:6379,',
      'is used only for the in-process nonce check, when it answers.)',
    ].join('\n'),
  );
  process.exit(0);
}
const { seconds, rounds, connections, threads } = loadArgs();
const microCount = arg('micro', 2000);
const microRounds = 7;
const requestsFile = join(OUT_DIR, 'notify-requests.txt');
const processes = processGroup();
mkdirSync(OUT_DIR, { recursive: true });

// packages/api and the mock are TypeScript: loaded from source, as their tests load them.
const { WeChatPayMock } = await tsSource('@app/wechat-mock');
const pay = await tsSource('@app/api/wechat/pay');
const { outTradeNoOf } = await tsSource('@app/api');

const env = productionEnv();
const MCH_ID = '1230000109';
const PRICE_FEN = 1990;
const NOTIFY_URL = 'https://bench.invalid/webhooks/wechatpay';
/** Paid orders whose duplicates case (a) sends, in turn. */
const PAID_ORDERS = 1000;
// The mock's dev defaults (merchant 1900000000, serial DEV0000…, a dev-only APIv3 key) are refused
// by a production server; these are shaped like real ones.
const mock = new WeChatPayMock(env.WECHAT_APP_ID, {
  mchId: MCH_ID,
  apiV3Key: 'bench-apiv3-key-0123456789abcdef',
  merchantSerialNo: 'BENCH00000000000000000000000000000000001',
});
// The mock names its key PUB_KEY_ID_…DEVONLY…, which a production server refuses too. The serial
// only names the key (the signature does not cover it): the server knows the same key by this name,
// and the notifications carry it.
const keyId = `PUB_KEY_ID_01${MCH_ID}BENCH`;
// A KeyObject, as the server's PayServices holds it.
const apiV3Key = createSecretKey(Buffer.from(mock.apiV3Key, 'utf8'));

/** One trade the mock holds as paid: every notification below is its notification, about some order. */
const trade = (() => {
  const outTradeNo = 'BENCHTRADE0001';
  const pathWithQuery = '/v3/pay/transactions/jsapi';
  const body = JSON.stringify({
    appid: env.WECHAT_APP_ID,
    mchid: MCH_ID,
    description: '压测商品',
    out_trade_no: outTradeNo,
    notify_url: NOTIFY_URL,
    amount: { total: PRICE_FEN, currency: 'CNY' },
    payer: { openid: 'bench-openid' },
  });
  const merchant = { mchId: MCH_ID, serialNo: mock.merchantSerialNo, privateKey: pay.loadPrivateKey(mock.merchantPrivateKeyPem) };
  const authorization = pay.authorizationHeader(merchant, { method: 'POST', pathWithQuery, body }, Math.floor(Date.now() / 1000));
  const prepay = mock.handle({ method: 'POST', pathWithQuery, authorization, body });
  if (prepay.status !== 200) throw new Error(`the mock refused the prepay: ${JSON.stringify(prepay.body)}`);
  const paid = mock.pay({ outTradeNo }, { notify: false });
  if (!paid.ok) throw new Error(`the mock refused the payment: ${paid.error}`);
  return outTradeNo;
})();

/**
 * `count` notifications as WeChat Pay sends them, the i-th about order `orderIdOf(i)` (the mock's
 * transaction with that order's out_trade_no; the amount is every bench order's), timestamped now.
 */
function signNotifications(count, orderIdOf) {
  const notifications = [];
  for (let i = 0; i < count; i += 1) {
    const { body, headers } = mock.notificationFor(trade, { transaction: { out_trade_no: outTradeNoOf(orderIdOf(i)) } });
    notifications.push({ body, headers: { ...headers, 'wechatpay-serial': keyId } });
  }
  return notifications;
}

/** Microseconds per item of `step` over `items`; awaited only when it answers a promise. */
async function usPerItem(items, step) {
  const started = performance.now();
  for (const item of items) {
    const result = step(item);
    if (result instanceof Promise) await result;
  }
  return ((performance.now() - started) * 1000) / items.length;
}

async function connectRedis() {
  const { Redis } = await import('ioredis');
  const { TEST_REDIS_URL } = await testSupport();
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // an absent Redis only skips its line
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch {
    redis.disconnect();
    return null;
  }
}

/** Step 1: the checks of one notification, in this process, per notification. */
async function measureInProcess() {
  const publicKey = pay.loadPublicKey(mock.platformPublicKeyPem);
  const items = signNotifications(microCount, () => 1).map(({ body, headers }) => ({
    body,
    headers,
    timestamp: headers['wechatpay-timestamp'],
    nonce: headers['wechatpay-nonce'],
    signature: headers['wechatpay-signature'],
    resource: JSON.parse(body).resource,
  }));
  const redis = await connectRedis();
  // The verifier's own TTL (11 minutes) is irrelevant to the cost; these keys only need to outlive a round.
  const ttlSeconds = 60;
  const must = (ok, what) => {
    if (!ok) throw new Error(`${what} failed: the bench is broken, not the code`);
  };
  // Each round a fresh nonce store (and verifier): the same notifications then pass again.
  const steps = [
    {
      key: 'signature',
      name: 'RSA-SHA256 signature (WeChat Pay public key, 2048 bits)',
      run: () =>
        usPerItem(items, (n) =>
          must(pay.verifySha256WithRsa(pay.responseMessage(n.timestamp, n.nonce, n.body), n.signature, publicKey), 'verify'),
        ),
    },
    {
      key: 'nonceMemory',
      name: "nonce replay check, this process's memory (as the server here)",
      run: () => {
        const store = new pay.MemoryNonceStore();
        return usPerItem(items, async (n) => must(await store.remember(`${keyId}:${n.nonce}`, ttlSeconds), 'nonce'));
      },
    },
    ...(redis
      ? [
          {
            key: 'nonceRedis',
            name: 'nonce replay check, Redis SET NX EX (one loopback round trip, as with REDIS_URL)',
            run: () => {
              const store = new pay.RedisNonceStore(redis, `bench:notify:${process.pid}:${performance.now()}:`);
              return usPerItem(items, async (n) => must(await store.remember(`${keyId}:${n.nonce}`, ttlSeconds), 'nonce'));
            },
          },
        ]
      : []),
    {
      key: 'decrypt',
      name: 'AES-256-GCM decryption of the resource',
      run: () => usPerItem(items, (n) => pay.decryptResource(apiV3Key, n.resource)),
    },
    {
      key: 'whole',
      name: 'readPaymentNotification: all of the above (memory nonces), headers, timestamp, both JSON parses',
      run: () => {
        const verifier = new pay.SignatureVerifier({ keys: new Map([[keyId, publicKey]]), nonces: new pay.MemoryNonceStore() });
        return usPerItem(items, (n) => pay.readPaymentNotification(verifier, apiV3Key, n.headers, n.body));
      },
    },
  ];
  const samples = Object.fromEntries(steps.map((step) => [step.key, []]));
  try {
    // Round 0 warms up (V8's compilation, OpenSSL's key caches) and is left out.
    for (let round = 0; round <= microRounds; round += 1) {
      for (const step of steps) {
        const us = await step.run();
        if (round > 0) samples[step.key].push(us);
      }
      if (round > 0)
        process.stderr.write(`in process, round ${round}/${microRounds}: ${samples.whole.at(-1).toFixed(1)} µs per notification\n`);
    }
  } finally {
    redis?.disconnect();
  }
  return {
    count: microCount,
    rounds: microRounds,
    redis: redis !== null,
    steps: steps.map(({ key, name }) => ({ key, name, us: median(samples[key]) })),
  };
}

const inProcess = await measureInProcess();

const database = await benchDatabase('bench_notify');
const { admin, name: dbName } = database;
try {
  const base = productionEnv({
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    // Nothing here calls WeChat or WeChat Pay (no login, no prepay, no paid message: no template
    // configured): a port where nothing listens, so that nothing could leave the machine.
    WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
    WECHATPAY_API_BASE_URL: 'http://127.0.0.1:9',
    WECHATPAY_MCHID: MCH_ID,
    WECHATPAY_MERCHANT_SERIAL: mock.merchantSerialNo,
    WECHATPAY_PRIVATE_KEY: mock.merchantPrivateKeyPem,
    WECHATPAY_APIV3_KEY: mock.apiV3Key,
    WECHATPAY_PUBLIC_KEY_ID: keyId,
    WECHATPAY_PUBLIC_KEY: mock.platformPublicKeyPem,
    WECHATPAY_NOTIFY_URL: NOTIFY_URL,
  });
  const benchServer = await buildBenchServer();
  await migrate(base);
  const server = await startServer(processes, [benchServer], { env: base });
  const { url } = server;

  const [user] = await admin.query(
    `INSERT INTO \`${dbName}\`.users (openid, created_at, updated_at) VALUES ('bench-notify', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
  );
  /**
   * `count` pending orders of the bench user, each with the PREPARED payment pay.prepare leaves
   * (its prepay id), straight into the tables: the notification reads nothing else. Without that
   * row the PAID transaction inserts the payment instead of updating it, which under concurrency
   * deadlocks on the unique index's gap locks: not the path of a notification after a prepay.
   */
  async function pendingOrders(count, label) {
    const now = new Date();
    const expires = new Date(now.getTime() + 24 * 3600_000); // beyond any run: the sweeper closes none
    const inChunks = async (rows, insert) => {
      for (let done = 0; done < rows.length; done += 1000) await admin.query(insert, [rows.slice(done, done + 1000)]);
    };
    await inChunks(
      Array.from({ length: count }, (_, i) => [
        user.insertId,
        'PENDING_PAYMENT',
        PRICE_FEN,
        `${label}-${i}`,
        '0'.repeat(64),
        now,
        expires,
        now,
      ]),
      `INSERT INTO \`${dbName}\`.orders (user_id, status, total_fen, idempotency_key, request_hash, created_at, expires_at, updated_at) VALUES ?`,
    );
    const [rows] = await admin.query(`SELECT id FROM \`${dbName}\`.orders WHERE user_id = ? AND idempotency_key LIKE ? ORDER BY id`, [
      user.insertId,
      `${label}-%`,
    ]);
    const ids = rows.map((row) => row.id);
    await inChunks(
      ids.map((id) => [id, outTradeNoOf(id), MCH_ID, PRICE_FEN, 'PREPARED', `wxbench${id}`, expires, now, now]),
      `INSERT INTO \`${dbName}\`.payments (order_id, out_trade_no, mch_id, amount_fen, status, prepay_id, prepay_expires_at, created_at, updated_at) VALUES ?`,
    );
    return ids;
  }

  // Case (a)'s orders, paid by their first notifications, as in production. Many of them, as WeChat
  // Pay's retries are spread over many orders: one order on every connection would put each request
  // on one row's lock, which the guarded PENDING_PAYMENT → PAID update takes (REPEATABLE READ) even
  // when it changes nothing (on this machine, one order against 1000 was within the noise).
  const paidOrderIds = await pendingOrders(PAID_ORDERS, 'paid');
  const firsts = signNotifications(PAID_ORDERS, (i) => paidOrderIds[i]);
  for (let i = 0; i < firsts.length; i += connections) {
    await Promise.all(
      firsts.slice(i, i + connections).map(async ({ headers, body }) => {
        const answer = await fetch(`${url}/webhooks/wechatpay`, { method: 'POST', headers, body });
        if (answer.status !== 200) throw new Error(`a first notification was answered ${answer.status}: ${await answer.text()}`);
      }),
    );
  }

  const cases = [
    {
      key: 'duplicate',
      name: 'duplicate of a paid order (verify, decrypt, read it: 200, no effect)',
      prepare: async (count) => signNotifications(count, (i) => paidOrderIds[i % PAID_ORDERS]),
    },
    {
      key: 'first',
      name: 'first notification of a pending order (→ PAID: 4 writes in a transaction)',
      prepare: async (count, label) => {
        const ids = await pendingOrders(count, label);
        return signNotifications(count, (i) => ids[i]);
      },
    },
  ];
  // Notifications per run: 1.5× the most this case has served (a guess before the warm-up), plus
  // a margin, so that none is sent twice; signing costs ~0.3 ms each, outside the measurement.
  const servedRps = { duplicate: 2000, first: 1500 };

  /** One wrk run on `count` notifications signed for it, about orders labelled `label`. */
  async function signedRun(testCase, duration, label, count) {
    // A wrk run that failed (no report) is run again, twice at most (lib.mjs, retryingWrk), on
    // notifications of its own: those of the failed run may have been presented (their nonces seen,
    // their orders paid), so each attempt signs new ones, about orders of its own label.
    let runLabel = label;
    const result = await retryingWrk(testCase.key, async (attempt) => {
      runLabel = attempt === 1 ? label : `${label}a${attempt}`;
      const notifications = await testCase.prepare(count, runLabel);
      writeFileSync(
        requestsFile,
        notifications
          .map(({ body, headers: h }) => `${h['wechatpay-timestamp']}\t${h['wechatpay-nonce']}\t${h['wechatpay-signature']}\t${body}\n`)
          .join(''),
      );
      return runWrk(
        {
          url: `${url}/webhooks/wechatpay`,
          script: join(ROOT, 'bench/notify.lua'),
          scriptArgs: [requestsFile, keyId, String(threads)],
          pid: server.pid,
        },
        { seconds: duration, threads, connections },
      );
    });
    return { result, runLabel };
  }

  async function measure(testCase, duration, label, warmUp = false) {
    // A run that sent more than were signed (the machine sped up past the rate the count was made
    // for) presented some twice, and the server rightly refused them: it is run again, on as many as
    // it just sent and half again, twice at most, instead of reporting the replays as refusals.
    let count;
    let runLabel;
    let result;
    for (let run = 1; ; run += 1) {
      count = Math.ceil(servedRps[testCase.key] * duration * 1.5) + 1000;
      ({ result, runLabel } = await signedRun(testCase, duration, run === 1 ? label : `${label}r${run}`, count));
      servedRps[testCase.key] = Math.max(servedRps[testCase.key], result.rps);
      if (result.requests <= count || run === 3) break;
      process.stderr.write(`${testCase.key}: ${result.requests} sent, more than the ${count} signed: run again on more\n`);
    }
    let ordersPaid = null;
    if (testCase.key === 'first') {
      const [[row]] = await admin.query(
        `SELECT COUNT(*) AS paid FROM \`${dbName}\`.orders WHERE user_id = ? AND idempotency_key LIKE ? AND status = 'PAID'`,
        [user.insertId, `${runLabel}-%`],
      );
      ordersPaid = Number(row.paid);
    }
    if (result.non2xx > 0) {
      // The warm-up's count is a guess (servedRps above); the rounds' come from what it served.
      const when = warmUp ? ' in the warm-up (its count a guess; the rounds use what it served)' : '';
      process.stderr.write(`${testCase.key}: ${result.non2xx} refused${when} (more sent than the ${count} signed?)\n`);
    }
    return { ...result, signed: count, ordersPaid };
  }

  process.stderr.write('warming up…\n');
  for (const testCase of cases) await measure(testCase, 2, `w-${testCase.key}`, true);
  const samples = Object.fromEntries(cases.map((c) => [c.key, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const testCase of cases) {
      const sample = await measure(testCase, seconds, `r${round}-${testCase.key}`);
      samples[testCase.key].push(sample);
      process.stderr.write(
        `round ${round}/${rounds} ${testCase.key}: ${sample.rps.toFixed(0)} req/s, ${sample.cpuUsPerRequest.toFixed(0)} µs CPU/req, ${sample.non2xx} non-2xx${sample.ordersPaid === null ? '' : `, ${sample.ordersPaid} orders paid`}\n`,
      );
    }
  }

  const verifyUs = inProcess.steps.find((step) => step.key === 'whole').us;
  const summary = summarize(cases, samples).map((row) => ({
    ...row,
    verifyShare: verifyUs / row.cpuUsPerRequest,
    ordersPaid: row.key === 'first' ? samples.first.reduce((sum, r) => sum + r.ordersPaid, 0) : null,
  }));
  const result = {
    seconds,
    rounds,
    connections,
    threads,
    tool: 'wrk',
    pinned: pinning(),
    paidOrders: PAID_ORDERS,
    inProcess,
    verifyUs,
    cases: summary,
  };
  writeOutput('notify.json', result);

  console.log(`\nIn process, per notification (median of ${microRounds} rounds of ${microCount}):\n`);
  console.log('| step | µs |');
  console.log('| --- | --- |');
  for (const step of inProcess.steps) console.log(`| ${step.name} | ${step.us.toFixed(1)} |`);
  console.log(`\nPOST /webhooks/wechatpay, ${rounds} alternating rounds of ${seconds} s, wrk -t${threads} -c${connections}, medians\n`);
  console.log('| case | req/s | p50 ms | p99 ms | server CPU µs/req | verification + decryption share | non-2xx |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of summary) {
    console.log(
      `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.cpuUsPerRequest.toFixed(0)} | ${(row.verifyShare * 100).toFixed(0)} % | ${row.non2xx} |`,
    );
  }
} finally {
  await processes.stopAll();
  rmSync(requestsFile, { force: true });
  await database.dispose();
}
