/**
 * POST /webhooks/wechatpay: WeChat Pay's payment notifications (notify_url). Not tRPC: WeChat Pay
 * calls it, with its own protocol. The signature covers the exact bytes sent, so the body is
 * taken raw (a string, never parsed and re-serialised) and handed to @app/api, which verifies,
 * decrypts and applies it (pay.service.ts says what each outcome answers, and why).
 *
 * WeChat Pay reads the status: 200/204 = received, anything else (or no answer within 5 s) =
 * failed, retried on its schedule; a failure carries `{ code, message }`.
 */
import { handlePaymentNotification, signedHeadersOf, type Services } from '@app/api';
import type { FastifyInstance } from 'fastify';

export const WECHATPAY_WEBHOOK_PATH = '/webhooks/wechatpay';

/** A notification is ~1 KiB; anything much larger is not WeChat Pay. */
const MAX_NOTIFICATION_BYTES = 64 * 1024;

export async function registerWeChatPayWebhook(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  if (!services.pay) return; // payment disabled: no route (a 404, coded as any unknown path)
  await app.register((scope, _opts, done) => {
    // Raw text for this route only: the rest of the app keeps Fastify's JSON parser.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_NOTIFICATION_BYTES }, (_request, body, next) => next(null, body));
    scope.post(WECHATPAY_WEBHOOK_PATH, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      // The request's logger: the notification's lines carry the request (and trace) id.
      const answer = await handlePaymentNotification(
        { ...services, logger: request.log as Services['logger'] },
        signedHeadersOf(request.headers),
        raw,
      );
      if (answer.body === null) return reply.status(answer.status).send();
      return reply.status(answer.status).send(answer.body);
    });
    done();
  });
}
