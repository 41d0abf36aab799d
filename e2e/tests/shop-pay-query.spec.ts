/**
 * Journey 13: WeChat Pay's notification is held back (the mock's holdNotifications), so the
 * order is PAID by the mini-program's active query (pay.confirm, right after the cashier). When
 * the held notification is then delivered, the server accepts it (200) and changes nothing: the
 * order is PAID once, with the time the query recorded.
 */
import { expect, mock, test } from '../fixtures/app';
import { paidEventsOf } from '../fixtures/pay';
import { DEMO, getOrder, productNamed, signInAs } from '../fixtures/shop';

test.afterEach(async () => {
  await mock.clearPayFaults();
});

test('with the notification held, 已支付 by the active query; the late notification changes nothing', async ({ page, openApp, wxUser }) => {
  const burner = await productNamed(DEMO.burner);
  await mock.setPayFaults({ holdNotifications: true });

  await openApp(`shop/pages/product/index?id=${burner.id}`);
  await page.getByTestId('buy-now').click();
  await page.getByTestId('submit-order').click();
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  const orderId = Number(await page.getByTestId('order-id').textContent());

  await page.getByTestId('pay-order').click();
  await page.locator('.taro-model__confirm').click();
  await expect(page.getByTestId('order-status')).toHaveText('已支付');
  await expect(page.getByTestId('order-paid-at')).toBeVisible();

  // The server's out_trade_no for the order (packages/api, pay.service.ts).
  const outTradeNo = `ORDER${String(orderId).padStart(10, '0')}`;
  expect((await mock.payDeliveries()).filter((delivery) => delivery.outTradeNo === outTradeNo)).toEqual([]);
  const token = await signInAs(wxUser);
  const paid = await getOrder(token, orderId);
  expect(paid.status).toBe('PAID');
  expect(await paidEventsOf(orderId)).toEqual([{ reason: 'WECHATPAY_QUERY' }]);

  // The held notification arrives now: answered 200, and the order stays as it was.
  expect(await mock.releasePayNotifications()).toBeGreaterThanOrEqual(1);
  await expect
    .poll(async () => (await mock.payDeliveries()).filter((delivery) => delivery.outTradeNo === outTradeNo).map((d) => d.status))
    .toEqual([200]);
  expect(await getOrder(token, orderId)).toEqual(paid);
  expect(await paidEventsOf(orderId)).toEqual([{ reason: 'WECHATPAY_QUERY' }]);
  await page.reload();
  await expect(page.getByTestId('order-status')).toHaveText('已支付');
});
