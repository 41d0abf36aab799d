/**
 * Journey 12: paying an order on 订单详情 (the order made through the API: checking out is
 * journey 9's). On H5 the WeChat mock stands in for WeChat's cashier (a dialog, then
 * POST /__dev/pay with the prepay id). Closing the cashier leaves the order
 * payable (已取消支付); paying shows 支付中 until the server has WeChat Pay's word, then 已支付
 * with the time paid. The mock's query says NOTPAY throughout and its notification comes 3 s
 * late, so the order is PAID by the verified notification, not by the client's say-so. 去支付
 * also asks for the paid 订阅消息 (on H5 the mock's stand-in: the test user accepts), and the
 * server sends it once the order is paid.
 */
import { expect, mock, test } from '../fixtures/app';
import { orderEventsOf } from '../fixtures/pay';
import { createOrder, DEMO, getOrder, productNamed, signInAs } from '../fixtures/shop';
import { stack } from '../fixtures/stack-config';

test.afterEach(async () => {
  await mock.clearPayFaults();
});

test('去支付: 支付中, then 已支付 by WeChat Pay’s notification; a closed cashier leaves the order payable', async ({
  page,
  openApp,
  wxUser,
}) => {
  const nougat = await productNamed(DEMO.nougat);
  await mock.setPayFaults({ queryNotPay: 100, notificationDelayMs: 3_000 });

  const orderId = (await createOrder(await signInAs(wxUser), nougat.id, 1)).id;
  await openApp(`shop/pages/order/index?id=${orderId}`);
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  await expect(page.getByTestId('order-total')).toHaveText('¥39.00');

  // The cashier closed without paying: 已取消支付, and the order can still be paid or cancelled.
  await page.getByTestId('pay-order').click();
  await expect(page.locator('.taro-modal__text')).toHaveText('开发环境没有微信收银台，由微信模拟服务代为付款');
  await page.locator('.taro-model__cancel').click();
  await expect(page.getByTestId('pay-note')).toHaveText(/^已取消支付/);
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  await expect(page.getByTestId('pay-order')).toHaveText('去支付');
  await expect(page.getByTestId('cancel-order')).toBeVisible();

  // Paid: 支付中 while the server has no word from WeChat Pay, then 已支付.
  await page.getByTestId('pay-order').click();
  await page.locator('.taro-model__confirm').click();
  await expect(page.getByTestId('order-status')).toHaveText('支付中');
  await expect(page.getByTestId('pay-order')).toHaveCount(0);
  await expect(page.getByTestId('cancel-order')).toHaveCount(0);
  await expect(page.getByTestId('order-status')).toHaveText('已支付', { timeout: 20_000 });
  await expect(page.getByTestId('order-paid-at')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await expect(page.getByTestId('pay-note')).toHaveCount(0);
  await expect(page.getByTestId('order-countdown')).toHaveCount(0);

  // The server's word, and how it came: the notification, once.
  const order = await getOrder(await signInAs(wxUser), orderId);
  expect(order.status).toBe('PAID');
  expect(order.paidAt).not.toBeNull();
  expect(await orderEventsOf(orderId)).toEqual([
    { from: null, to: 'PENDING_PAYMENT', reason: 'CREATED' },
    { from: 'PENDING_PAYMENT', to: 'PAID', reason: 'WECHATPAY_NOTIFY' },
  ]);

  // The paid 订阅消息, accepted at 去支付, sent by the server's job once PAID: one, to this user.
  expect(stack.paidMessageTemplateId, 'apps/miniprogram/.env.e2e sets TARO_APP_PAID_MESSAGE_TEMPLATE_ID').toBeTruthy();
  const { openid } = await mock.loginCode(wxUser);
  await expect
    .poll(async () => (await mock.subscribeMessages()).filter((message) => message.touser === openid))
    .toEqual([
      {
        touser: openid,
        templateId: stack.paidMessageTemplateId,
        page: `shop/pages/order/index?id=${orderId}`,
        data: expect.objectContaining({ character_string1: { value: String(orderId) }, amount2: { value: '39.00元' } }) as unknown,
      },
    ]);

  // 我的订单 shows it paid, under 已支付.
  await openApp('shop/pages/orders/index?status=PAID');
  await expect(page.getByTestId('order-card').filter({ hasText: DEMO.nougat })).toHaveCount(1);
});
