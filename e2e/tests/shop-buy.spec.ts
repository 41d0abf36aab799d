/**
 * Journey 9: 首页 → 商城 → the catalog's second page (reached by scrolling) → a product → 确认订单
 * → the order, 待支付, in its detail and in 我的订单. On the way, a double tap on 提交订单 sends one
 * request, and when that request's answer is lost (the order made, the phone never told), tapping
 * again sends the same idempotency key and gets the same order: one order, not two.
 */
import { expect, test } from '../fixtures/app';
import { DEMO, idempotencyKeyOf, listOrders, productNamed, signInAs } from '../fixtures/shop';

test('browses the catalog, buys, and finds the order as 待支付; a lost answer retried makes one order', async ({
  page,
  openApp,
  wxUser,
}) => {
  const tote = await productNamed(DEMO.toteBag);
  await openApp();
  await page.getByTestId('open-shop').click();

  // The first page, then the next one when the list is scrolled to its end.
  const cards = page.getByTestId('product-card');
  await expect(cards).toHaveCount(10);
  await expect(cards.filter({ hasText: DEMO.toteBag })).toHaveCount(0);
  await cards.last().scrollIntoViewIfNeeded();
  await page.mouse.wheel(0, 4000);
  await expect(cards).toHaveCount(12);
  await expect(page.getByText('已经到底了')).toBeVisible();

  await cards.filter({ hasText: DEMO.toteBag }).click();
  await expect(page.getByTestId('product-title')).toHaveText(DEMO.toteBag);
  await expect(page.getByTestId('product-price')).toHaveText('¥69.00');
  await expect(page.getByTestId('product-stock')).toHaveText(`库存 ${tote.stock} 件`);
  await page.getByTestId('buy-now').click();

  // 确认订单: the stepper and the total for display.
  await expect(page.getByTestId('checkout-title')).toHaveText(DEMO.toteBag);
  await expect(page.getByTestId('checkout-total')).toHaveText('¥69.00');
  await expect(page.getByTestId('quantity-decrease')).toHaveAttribute('disabled');
  await page.getByTestId('quantity-increase').click();
  await expect(page.getByTestId('checkout-total')).toHaveText('¥138.00');

  // The first order.create reaches the server, but its answer is lost on the way back.
  const keys: string[] = [];
  await page.route('**/trpc/order.create**', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    keys.push(idempotencyKeyOf(route.request().postData()));
    if (keys.length > 1) return route.continue();
    const delivered = await route.fetch();
    expect(delivered.status()).toBe(200);
    return route.abort('connectionreset');
  });
  const submit = page.getByTestId('submit-order');
  await submit.dblclick();
  // The error the user sees: coded, in zh-CN, with the request id's tail for support.
  await expect(page.getByText(/^网络连接失败，请检查网络后重试（编号 [\w-]{8}）$/)).toBeVisible();
  expect(keys, 'a double tap sends one order.create').toHaveLength(1);
  await expect(submit).not.toHaveAttribute('disabled');
  await submit.click();

  // The retry carried the same key: the server answered with the order it had made.
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  expect(keys).toHaveLength(2);
  expect(keys[1]).toBe(keys[0]);
  await expect(page.getByTestId('order-total')).toHaveText('¥138.00');
  await expect(page.getByTestId('order-line')).toHaveText(/帆布托特包.*× 2/);
  await expect(page.getByTestId('order-countdown')).toHaveText(/^1[45]:\d\d$/);
  const orderId = (await page.getByTestId('order-id').textContent())!;
  const token = await signInAs(wxUser);
  const { items: orders } = await listOrders(token);
  expect(orders.map((order) => [order.id, order.status, order.totalFen])).toEqual([[Number(orderId), 'PENDING_PAYMENT', 13800]]);

  // 我的订单, from the catalog's header: the order under 全部 and 待支付, not under 已关闭.
  await page.goBack();
  await page.goBack();
  await page.getByTestId('open-orders').click();
  const orderCards = page.getByTestId('order-card');
  await expect(orderCards).toHaveCount(1);
  await expect(orderCards.getByTestId('order-card-status')).toHaveText('待支付');
  await expect(orderCards.getByTestId('order-card-items')).toHaveText('帆布托特包 × 2');
  await expect(orderCards).toContainText('¥138.00');
  await page.getByTestId('order-tab-CLOSED').click();
  await expect(page.getByText('没有已关闭的订单')).toBeVisible();
  await expect(orderCards).toHaveCount(0);
  await page.getByTestId('order-tab-PENDING_PAYMENT').click();
  await expect(orderCards).toHaveCount(1);

  await orderCards.click();
  await expect(page.getByTestId('order-id')).toHaveText(orderId);
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  await expect(page.getByTestId('cancel-order')).toBeVisible();
});
