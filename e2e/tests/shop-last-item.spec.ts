/**
 * Journey 11: two buyers (two browsers, two WeChat users) submit the last item (黄铜书签（限量）,
 * stock 1) at the same moment: both requests are held until both have been sent, so the server
 * gets them together. One gets the order; the other is told 库存不足, naming the product, and is
 * taken back to it, now 已售罄. The winner's order is then cancelled: the stock is 1 again, as the
 * journey found it (no other journey buys this product).
 */
import type { Browser, Page } from '@playwright/test';
import { expect, test } from '../fixtures/app';
import { stack } from '../fixtures/stack-config';
import { cancelOrder, DEMO, listOrders, productNamed, signInAs, stockOf } from '../fixtures/shop';

async function buyer(browser: Browser, wxUser: string, productId: number): Promise<Page> {
  const context = await browser.newContext({
    baseURL: stack.appUrl,
    viewport: { width: 390, height: 844 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  await page.goto(`/?wxUser=${wxUser}#/shop/pages/product/index?id=${productId}`);
  await expect(page.getByTestId('product-stock')).toHaveText('仅剩 1 件');
  await page.getByTestId('buy-now').click();
  await expect(page.getByTestId('submit-order')).toHaveText('提交订单');
  await expect(page.getByTestId('submit-order')).not.toHaveAttribute('disabled');
  return page;
}

/** Which of the two outcomes a buyer's page shows: the order, or the 库存不足 dialog. */
function outcome(page: Page): Promise<'order' | 'out-of-stock'> {
  return page
    .waitForFunction(() => {
      if (document.querySelector('[data-testid="order-status"]')) return 'order';
      const modal = document.querySelector('.taro__modal');
      return modal && getComputedStyle(modal).display !== 'none' && modal.textContent?.includes('库存不足') ? 'out-of-stock' : null;
    })
    .then((handle) => handle.jsonValue() as Promise<'order' | 'out-of-stock'>);
}

test('two buyers of the last item at once: one order, and 库存不足 for the other', async ({ browser, wxUser }) => {
  const item = await productNamed(DEMO.lastItem);
  // This journey is the only one that buys it, and leaves it as it found it.
  expect(item.stock, `「${DEMO.lastItem}」 should have its one item in stock`).toBe(1);

  const users = [`${wxUser}-a`, `${wxUser}-b`];
  const pages = await Promise.all(users.map((user) => buyer(browser, user, item.id)));
  try {
    // Each order.create waits until both have been sent: the server gets them together.
    let arrived = 0;
    let releaseBoth: () => void = () => undefined;
    const bothSent = new Promise<void>((resolve) => (releaseBoth = resolve));
    for (const page of pages) {
      await page.route('**/trpc/order.create**', async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        arrived += 1;
        if (arrived === 2) releaseBoth();
        await bothSent;
        return route.continue();
      });
    }
    await Promise.all(pages.map((page) => page.getByTestId('submit-order').click()));
    const outcomes = await Promise.all(pages.map(outcome));
    expect(arrived).toBe(2);
    expect([...outcomes].sort()).toEqual(['order', 'out-of-stock']);

    const winner = pages[outcomes.indexOf('order')]!;
    const loser = pages[outcomes.indexOf('out-of-stock')]!;
    await expect(winner.getByTestId('order-status')).toHaveText('待支付');
    expect(await stockOf(item.id)).toBe(0);

    // 库存不足, the product named by the server, the request id for support, and the way back.
    const dialog = loser.locator('.taro__modal');
    await expect(dialog.locator('.taro-modal__title')).toHaveText('库存不足');
    await expect(dialog.locator('.taro-modal__text')).toHaveText(/^「黄铜书签（限量）」库存不足（编号 [\w-]{8}）$/);
    await dialog.locator('.taro-model__confirm').click();
    await expect(loser.getByTestId('product-title')).toHaveText(DEMO.lastItem);
    await expect(loser.getByTestId('product-stock')).toHaveText('已售罄');
    await expect(loser.getByTestId('buy-now')).toHaveText('已售罄');
    await expect(loser.getByTestId('buy-now')).toHaveAttribute('disabled');

    // Only the winner has an order.
    const winnerIndex = outcomes.indexOf('order');
    const orders = await Promise.all(users.map(async (user) => (await listOrders(await signInAs(user))).items));
    expect(orders[winnerIndex]!.map((order) => order.status)).toEqual(['PENDING_PAYMENT']);
    expect(orders[1 - winnerIndex]).toEqual([]);
  } finally {
    await Promise.all(pages.map((page) => page.context().close()));
    // Leave the last item as it was found, whatever happened above: cancel what either buyer has.
    for (const user of users) {
      const token = await signInAs(user);
      for (const order of (await listOrders(token)).items) if (order.status === 'PENDING_PAYMENT') await cancelOrder(token, order.id);
    }
  }
  expect(await stockOf(item.id)).toBe(1);
});
