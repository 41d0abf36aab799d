/**
 * Journey 13: WeChat Pay's notification is held back (the mock's holdNotifications), so the
 * order (made through the API, paid on 订单详情) is PAID by the mini-program's active query
 * (pay.confirm, right after the cashier). When the held notification is then delivered, the
 * server accepts it (200) and changes nothing: the order is PAID once, with the time the query
 * recorded.
 */
import { outTradeNoOf } from '@app/api';
import { expect, mock, test } from '../fixtures/app';
import { orderEventsOf } from '../fixtures/pay';
import { createOrder, DEMO, getOrder, productNamed, signInAs } from '../fixtures/shop';

test.afterEach(async () => {
  await mock.clearPayFaults();
});

test('with the notification held, 已支付 by the active query; the late notification changes nothing', async ({ page, openApp, wxUser }) => {
  const burner = await productNamed(DEMO.burner);
  await mock.setPayFaults({ holdNotifications: true });

  const orderId = (await createOrder(await signInAs(wxUser), burner.id, 1)).id;
  await openApp(`shop/pages/order/index?id=${orderId}`);
  await expect(page.getByTestId('order-status')).toHaveText('待支付');

  await page.getByTestId('pay-order').click();
  await page.locator('.taro-model__confirm').click();
  await expect(page.getByTestId('order-status')).toHaveText('已支付');
  await expect(page.getByTestId('order-paid-at')).toBeVisible();

  const outTradeNo = outTradeNoOf(orderId);
  expect((await mock.payDeliveries()).filter((delivery) => delivery.outTradeNo === outTradeNo)).toEqual([]);
  const token = await signInAs(wxUser);
  const paid = await getOrder(token, orderId);
  expect(paid.status).toBe('PAID');
  const paidByQuery = [
    { from: null, to: 'PENDING_PAYMENT', reason: 'CREATED' },
    { from: 'PENDING_PAYMENT', to: 'PAID', reason: 'WECHATPAY_QUERY' },
  ];
  expect(await orderEventsOf(orderId)).toEqual(paidByQuery);

  // The held notification arrives now: answered 200, and the order stays as it was.
  expect(await mock.releasePayNotifications()).toBeGreaterThanOrEqual(1);
  await expect
    .poll(async () => (await mock.payDeliveries()).filter((delivery) => delivery.outTradeNo === outTradeNo).map((d) => d.status))
    .toEqual([200]);
  expect(await getOrder(token, orderId)).toEqual(paid);
  expect(await orderEventsOf(orderId)).toEqual(paidByQuery);
  await page.reload();
  await expect(page.getByTestId('order-status')).toHaveText('已支付');
});
