/**
 * Journey 10: an unpaid order cancelled from its detail (after the confirmation) is 已关闭
 * (已取消), and the stock it took is back: in the API, in 我的订单, and on the product's page,
 * which shows the stock taken while the order is open and given back once it is cancelled. Only
 * the app's own navigation is used (open, tap, back), as on a phone.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures/app';
import { DEMO, productNamed, stockOf } from '../fixtures/shop';

/** The product page on screen (pages further down the stack stay in the document, hidden). */
async function shownStock(page: Page) {
  await expect(page).toHaveURL(/#\/shop\/pages\/product\/index\?/);
  return page.getByTestId('product-stock');
}

test('cancelling an unpaid order closes it and gives its stock back', async ({ page, openApp }) => {
  const mug = await productNamed(DEMO.mug);
  const before = mug.stock;
  expect(before, `「${DEMO.mug}」 needs stock for this journey`).toBeGreaterThan(6);

  await openApp('shop/pages/products/index');
  await page.getByTestId('product-card').filter({ hasText: DEMO.mug }).click();
  await expect(await shownStock(page)).toHaveText(`库存 ${before} 件`);
  await page.getByTestId('buy-now').click();
  await expect(page.getByTestId('checkout-total')).toHaveText('¥45.00');
  await page.getByTestId('submit-order').click();
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  expect(await stockOf(mug.id)).toBe(before - 1);

  // Back on the product (it reloads when shown again): the order holds one.
  await page.goBack();
  await expect(await shownStock(page)).toHaveText(`库存 ${before - 1} 件`);
  await page.goBack();
  await page.getByTestId('open-orders').click();
  await expect(page.getByTestId('order-card-status')).toHaveText('待支付');
  await page.getByTestId('order-card').click();
  await expect(page.getByTestId('order-status')).toHaveText('待支付');

  // 取消订单 asks first: 再想想 leaves the order as it is.
  await page.getByTestId('cancel-order').click();
  await expect(page.locator('.taro-modal__text')).toHaveText('确定取消这个订单吗？取消后商品库存将释放。');
  await page.locator('.taro-model__cancel').click();
  await expect(page.getByTestId('order-status')).toHaveText('待支付');
  expect(await stockOf(mug.id)).toBe(before - 1);

  await page.getByTestId('cancel-order').click();
  await page.locator('.taro-model__confirm').click();
  await expect(page.getByTestId('order-status')).toHaveText('已关闭');
  await expect(page.getByTestId('order-close-reason')).toHaveText(/^已取消 · /);
  await expect(page.getByTestId('order-countdown')).toHaveCount(0);
  await expect(page.getByTestId('cancel-order')).toHaveCount(0);
  expect(await stockOf(mug.id)).toBe(before);

  // 我的订单 reloads when shown again after the change: 已关闭 now, under its tab and not under 待支付.
  await page.goBack();
  await expect(page.getByTestId('order-card-status')).toHaveText('已关闭 · 已取消');
  await page.getByTestId('order-tab-CLOSED').click();
  await expect(page.getByTestId('order-card-status')).toHaveText('已关闭 · 已取消');
  await page.getByTestId('order-tab-PENDING_PAYMENT').click();
  await expect(page.getByText('没有待支付的订单')).toBeVisible();

  // And the product has its stock back.
  await page.goBack();
  await page.getByTestId('product-card').filter({ hasText: DEMO.mug }).click();
  await expect(await shownStock(page)).toHaveText(`库存 ${before} 件`);
});
