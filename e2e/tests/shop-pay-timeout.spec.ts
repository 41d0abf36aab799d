/**
 * Journey 15: an order left unpaid closes by itself, here and at WeChat Pay. On the order's page
 * (the order made through the API), 去支付 creates the trade at WeChat Pay (the mock) and the user
 * closes the cashier; the order's deadline then passes (moved into the past in the database:
 * nobody waits 15 minutes), the server's sweeper closes it, and the page, reloaded, shows
 * 已关闭 · 超时未支付 by asking again on its own. The server has closed the trade at WeChat Pay
 * too, so the user can no longer pay it there.
 */
import { outTradeNoOf } from '@app/api';
import { expect, mock, test } from '../fixtures/app';
import { expireOrder, orderEventsOf } from '../fixtures/pay';
import { createOrder, DEMO, getOrder, productNamed, signInAs } from '../fixtures/shop';

test('an unpaid order past its deadline is closed, and its trade at WeChat Pay too', async ({ page, openApp, wxUser }) => {
  const longjing = await productNamed(DEMO.longjing);

  const orderId = (await createOrder(await signInAs(wxUser), longjing.id, 1)).id;
  await openApp(`shop/pages/order/index?id=${orderId}`);
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  const outTradeNo = outTradeNoOf(orderId);

  // 去支付 makes the trade at WeChat Pay; the user closes the cashier without paying.
  await page.getByTestId('pay-order').click();
  await page.locator('.taro-model__cancel').click();
  await expect(page.getByTestId('pay-note')).toHaveText(/^已取消支付/);
  expect(await mock.payTradeState(outTradeNo)).toBe('NOTPAY');

  // The deadline passes. The page opened again finds it past (00:00) and asks the server until
  // the sweeper has closed it.
  await expireOrder(orderId);
  await page.reload();
  await expect(page.getByTestId('order-status')).toHaveText('已关闭', { timeout: 20_000 });
  await expect(page.getByTestId('order-close-reason')).toHaveText(/^超时未支付 · /);
  await expect(page.getByTestId('pay-order')).toHaveCount(0);
  await expect(page.getByTestId('cancel-order')).toHaveCount(0);
  await expect(page.getByTestId('order-countdown')).toHaveCount(0);

  const order = await getOrder(await signInAs(wxUser), orderId);
  expect(order).toMatchObject({ status: 'CLOSED', closeReason: 'TIMEOUT', paidAt: null });
  expect(await orderEventsOf(orderId)).toEqual([
    { from: null, to: 'PENDING_PAYMENT', reason: 'CREATED' },
    { from: 'PENDING_PAYMENT', to: 'CLOSED', reason: 'TIMEOUT' },
  ]);

  // Closed at WeChat Pay as well (after the sweep's commit), where the user can no longer pay it
  // (the mock's cashier refusing a closed trade is the mock's own test's).
  await expect.poll(() => mock.payTradeState(outTradeNo)).toBe('CLOSED');
});
