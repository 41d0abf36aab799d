/**
 * The mock's HTTP face: the endpoints of api.weixin.qq.com and WeChat Pay's we use, plus `/__dev/*`
 * controls for dev and tests (login and phone codes for named test users, faults, stats). A node:http handler,
 * so it runs as its own process or inside a test.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReceivedRequest, WeChatMockWorld } from './world';

const MAX_BODY_BYTES = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // The H5 app fetches dev login codes from the browser.
    'access-control-allow-origin': '*',
  });
  res.end(text);
}

function receivedOf(req: IncomingMessage, path: string): ReceivedRequest {
  const traceparent = req.headers.traceparent;
  return { method: req.method ?? 'GET', path, traceparent: typeof traceparent === 'string' ? traceparent : null };
}

async function readText(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readText(req);
  if (text === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

async function handleDev(world: WeChatMockWorld, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET,POST,DELETE',
      'access-control-allow-headers': 'content-type',
    });
    res.end();
    return;
  }
  const body = req.method === 'POST' ? await readJson(req) : {};
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'POST /__dev/login-code': {
      const user = typeof body.user === 'string' && body.user.length > 0 ? body.user.slice(0, 64) : 'dev-user';
      return send(res, 200, { code: world.issueLoginCode(user), openid: world.openidOf(user) });
    }
    case 'POST /__dev/phone-code': {
      const phone = typeof body.phone === 'string' && /^\d{6,15}$/.test(body.phone) ? body.phone : '13800138000';
      return send(res, 200, { code: world.issuePhoneCode(phone) });
    }
    case 'POST /__dev/faults':
      // A dev control: the body is taken as the faults to set, unchecked.
      world.setFaults(body);
      return send(res, 200, world.faults);
    case 'DELETE /__dev/faults':
      world.clearFaults();
      return send(res, 200, world.faults);
    case 'POST /__dev/subscribe':
      // The user accepts a template (wx.requestSubscribeMessage): one message allowed.
      world.acceptSubscription(
        typeof body.user === 'string' ? body.user : 'dev-user',
        typeof body.templateId === 'string' ? body.templateId : '',
      );
      return send(res, 200, { ok: true });
    case 'GET /__dev/subscribe-messages':
      return send(res, 200, world.subscribeMessages);
    case 'POST /__dev/block':
      world.setBlocked(typeof body.user === 'string' ? body.user : '', body.blocked !== false);
      return send(res, 200, { ok: true });
    case 'POST /__dev/pay': {
      // The user pays in WeChat: { prepayId } (what wx.requestPayment got) or { outTradeNo }.
      const result = world.pay.pay({
        ...(typeof body.prepayId === 'string' ? { prepayId: body.prepayId } : {}),
        ...(typeof body.outTradeNo === 'string' ? { outTradeNo: body.outTradeNo } : {}),
      });
      return send(res, result.ok ? 200 : 409, result);
    }
    case 'POST /__dev/pay/faults':
      world.pay.setFaults(body);
      return send(res, 200, world.pay.faults);
    case 'DELETE /__dev/pay/faults':
      world.pay.clearFaults();
      return send(res, 200, world.pay.faults);
    case 'POST /__dev/pay/release':
      // The notifications held by the holdNotifications fault, sent now ({ newestFirst: true }: out of order).
      return send(res, 200, { released: world.pay.releaseNotifications({ newestFirst: body.newestFirst === true }) });
    case 'GET /__dev/pay/trade':
      // A trade's state as WeChat Pay holds it (null: no such trade), e.g. CLOSED after the server closed it.
      return send(res, 200, { state: world.pay.stateOf(url.searchParams.get('outTradeNo') ?? '') });
    case 'GET /__dev/pay/refund':
      // A refund's status as WeChat Pay holds it (null: no such refund).
      return send(res, 200, { status: world.pay.refundStateOf(url.searchParams.get('outRefundNo') ?? '') });
    case 'GET /__dev/pay/deliveries':
      return send(res, 200, world.pay.deliveries);
    case 'GET /__dev/pay/credentials':
      // What a dev server needs to talk to this mock: the mock's own dev keys, never real ones.
      return send(res, 200, {
        mchId: world.pay.mchId,
        merchantSerialNo: world.pay.merchantSerialNo,
        merchantPrivateKey: world.pay.merchantPrivateKeyPem,
        apiV3Key: world.pay.apiV3Key,
        publicKeyId: world.pay.publicKeyId,
        publicKey: world.pay.platformPublicKeyPem,
      });
    case 'GET /__dev/stats':
      return send(res, 200, world.stats);
    case 'POST /__dev/reset':
      world.reset();
      return send(res, 200, { ok: true });
    default:
      return send(res, 404, { error: 'unknown dev endpoint' });
  }
}

type Query = Record<string, string>;
type ApiRoute = (world: WeChatMockWorld, query: Query, req: IncomingMessage) => unknown;

/** The api.weixin.qq.com endpoints the mock serves, by `METHOD /path`: the world's answer to each. */
const API_ROUTES: Readonly<Record<string, ApiRoute>> = {
  'GET /sns/jscode2session': (world, query) => world.jscode2session(query),
  'POST /cgi-bin/stable_token': async (world, _query, req) => world.stableToken(await readJson(req)),
  'POST /wxa/business/getuserphonenumber': async (world, query, req) => world.getUserPhoneNumber(query.access_token, await readJson(req)),
  'GET /wxa/checksession': (world, query) => world.checkSession(query),
  'POST /cgi-bin/message/subscribe/send': async (world, query, req) => world.sendSubscribeMessage(query.access_token, await readJson(req)),
};

/** One of API_ROUTES, once the faults have let it through. */
async function handleApi(world: WeChatMockWorld, req: IncomingMessage, res: ServerResponse, url: URL, answer: ApiRoute): Promise<void> {
  const injected = world.takeInjectedError();
  if (injected) return send(res, 200, injected);
  return send(res, 200, await answer(world, Object.fromEntries(url.searchParams), req));
}

/** WeChat Pay's endpoints (/v3/pay/…, /v3/refund/…): every answer signed by the mock's platform key. */
async function handlePay(world: WeChatMockWorld, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readText(req);
  const answer = world.pay.handle({
    method: req.method ?? 'GET',
    // As sent: the merchant's signature covers the path and query exactly as written.
    pathWithQuery: req.url ?? '/',
    authorization: req.headers.authorization,
    body,
  });
  const text = answer.body === null ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(text === '' ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text),
    ...world.pay.signedHeaders(text),
  });
  res.end(text);
}

async function handle(world: WeChatMockWorld, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://mock.invalid');
  if (url.pathname.startsWith('/__dev/')) return handleDev(world, req, res, url);
  const pay = url.pathname.startsWith('/v3/pay/') || url.pathname.startsWith('/v3/refund/');
  const api = pay ? undefined : API_ROUTES[`${req.method} ${url.pathname}`];
  if (!pay && api === undefined) return send(res, 404, { errcode: 404, errmsg: 'not found' });

  // An API or WeChat Pay request: counted and recorded as it arrives, then subject to the faults.
  world.stats.requests += 1;
  world.recordRequest(receivedOf(req, url.pathname));
  const { down, latencyMs } = world.faults;
  if (down) {
    req.socket.destroy();
    return;
  }
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  return api === undefined ? handlePay(world, req, res) : handleApi(world, req, res, url, api);
}

export function createWeChatMockHandler(world: WeChatMockWorld) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(world, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 400, { errcode: 47001, errmsg: `data format error: ${error instanceof Error ? error.message : 'bad request'}` });
    });
  };
}
