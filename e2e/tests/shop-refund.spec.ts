/**
 * Journey 14: a paid order refunded from 订单详情 (the order made through the API, then paid on
 * the page). 申请退款 asks first (再想想 changes nothing, and the dialog says the whole amount
 * goes back the way it was paid); then the order is 退款中
 * while the server's job asks WeChat Pay (the mock) for the refund and the page asks the server
 * (pay.confirm), and 已退款 with the time refunded once WeChat Pay has said the money is back.
 * Checked past the screen: the order's transitions in the database, the refund at the mock, the
 * order in the API and under 我的订单's 已退款.
 */
import { outRefundNoOf } from '@app/api';
import { expect, mock, recordTrpc, test } from '../fixtures/app';
import { orderEventsOf } from '../fixtures/pay';
import { createOrder, DEMO, getOrder, productNamed, signInAs } from '../fixtures/shop';

test.afterEach(async () => {
  await mock.clearPayFaults();
});

test('申请退款: 退款中, then 已退款 with the time refunded; WeChat Pay has refunded it', async ({ page, openApp, wxUser }) => {
  const lunchBox = await productNamed(DEMO.lunchBox);

  const orderId = (await createOrder(await signInAs(wxUser), lunchBox.id, 1)).id;
  // The page's calls, from the start: 再想想 sends nothing, 申请退款 one pay.refund.
  const calls = recordTrpc(page);
  await openApp(`shop/pages/order/index?id=${orderId}`);
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  await expect(page.getByTestId('order-total')).toHaveText('¥59.00');
  // Nothing to refund before it is paid.
  await expect(page.getByTestId('refund-order')).toHaveCount(0);

  await page.getByTestId('pay-order').click();
  await page.locator('.taro-model__confirm').click();
  await expect(page.getByTestId('order-status')).toHaveText('已支付', { timeout: 20_000 });

  // 申请退款 asks first, saying how much goes back and where; 再想想 leaves the order paid.
  await page.getByTestId('refund-order').click();
  await expect(page.locator('.taro-modal__text')).toHaveText('¥59.00 将全额原路退回你的支付账户，确定申请退款吗？');
  await page.locator('.taro-model__cancel').click();
  await expect(page.getByTestId('order-status')).toHaveText('已支付');
  expect((await getOrder(await signInAs(wxUser), orderId)).status).toBe('PAID');

  await page.getByTestId('refund-order').click();
  await page.locator('.taro-model__confirm').click();
  // WeChat Pay takes a moment (the job's interval, then the mock's second): 退款中 meanwhile.
  await expect(page.getByTestId('order-status')).toHaveText('退款中');
  await expect(page.getByTestId('refund-order')).toHaveCount(0);
  await expect(page.getByTestId('refund-note')).toHaveText('退款已提交，正在等待微信支付处理…');
  await expect(page.getByTestId('order-status')).toHaveText('已退款', { timeout: 20_000 });
  await expect(page.getByTestId('order-refunded-at')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await expect(page.getByTestId('order-paid-at')).toBeVisible();
  await expect(page.getByTestId('refund-note')).toHaveText('款项已原路退回');
  await expect(page.getByTestId('refund-order')).toHaveCount(0);
  await expect(page.getByTestId('recheck-refund')).toHaveCount(0);
  expect(calls.filter((call) => call.procedures.split(',').includes('pay.refund')).map((call) => call.method)).toEqual(['POST']);

  // The server's word: refunded, each step once, the user's request first.
  const order = await getOrder(await signInAs(wxUser), orderId);
  expect(order.status).toBe('REFUNDED');
  expect(order.refundedAt).not.toBeNull();
  const events = await orderEventsOf(orderId);
  expect(events.map(({ from, to }) => `${from ?? ''}→${to}`)).toEqual([
    '→PENDING_PAYMENT',
    'PENDING_PAYMENT→PAID',
    'PAID→REFUNDING',
    'REFUNDING→REFUNDED',
  ]);
  expect(events[2]?.reason).toBe('USER_REQUEST');
  // Whichever word of WeChat Pay's came first: its answer, its notification or the page's query.
  expect(events[3]?.reason).toMatch(/^WECHATPAY_REFUND_(ANSWER|NOTIFY|QUERY)$/);
  // And WeChat Pay's: the refund done, in full.
  expect(await mock.payRefundStatus(outRefundNoOf(orderId))).toBe('SUCCESS');

  // 我的订单 shows it under 已退款.
  await openApp('shop/pages/orders/index?status=REFUNDED');
  const card = page.getByTestId('order-card').filter({ hasText: DEMO.lunchBox });
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId('order-card-status')).toHaveText('已退款');
});
