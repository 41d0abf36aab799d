/**
 * Journey 8: every page fits a phone's width. At 320, 375 and 414 px, each page keeps inside the
 * screen (nothing past the right edge, nothing scrolls sideways), the buttons of a row line up, and
 * every button's border is drawn on all four sides (a side cut off makes a button look as if it
 * ran on past the screen). A full-page screenshot of each stays in
 * e2e/test-results/screenshots/<width>/<page>.png, and in the HTML report, pass or fail.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures/app';
import { measureButtonOutlines, measureButtonRows, measureHorizontalFit } from '../fixtures/layout';
import { createOrder, DEMO, productNamed, signInAs } from '../fixtures/shop';
import { e2eRoot } from '../fixtures/stack-config';

/** The narrowest phones WeChat still runs on, a common one, and a large one (iPhone SE, 8, 11). */
const PHONES = [
  { width: 320, height: 568 },
  { width: 375, height: 667 },
  { width: 414, height: 896 },
] as const;

/** Lines up means the same top, centre and height, to within a pixel. */
const ALIGNMENT_TOLERANCE_PX = 1;

/** An unpaid order of the test's user (the tea: plenty of stock, and no journey counts it). */
async function orderOf(wxUser: string): Promise<number> {
  const tea = await productNamed(DEMO.tea);
  return (await createOrder(await signInAs(wxUser), tea.id, 2)).id;
}

interface LayoutTarget {
  name: string;
  title: string;
  /** The page's path, or how to get one (made for the test's user). */
  path: string | ((wxUser: string) => Promise<string>);
  ready: (page: Page) => Promise<void>;
  buttonRows: number;
}

const PAGES: LayoutTarget[] = [
  {
    name: 'home',
    title: '首页',
    path: 'pages/index/index',
    ready: (page) => expect(page.getByTestId('home-health')).toHaveText('正常'),
    buttonRows: 0,
  },
  {
    name: 'profile',
    title: '我的',
    path: 'pages/profile/index',
    ready: (page) => expect(page.getByText('退出登录', { exact: true })).toBeVisible(),
    buttonRows: 0,
  },
  {
    name: 'env',
    title: '环境',
    path: 'debug/pages/env/index',
    ready: (page) => expect(page.getByTestId('env-user-id')).toHaveText(/^\d+$/),
    // 切换 and 清除.
    buttonRows: 1,
  },
  {
    name: 'shop-products',
    title: '商城',
    path: 'shop/pages/products/index',
    ready: (page) => expect(page.getByTestId('product-card')).toHaveCount(10),
    buttonRows: 0,
  },
  {
    name: 'shop-product',
    title: '商品详情',
    path: async () => `shop/pages/product/index?id=${(await productNamed(DEMO.notebook)).id}`,
    ready: (page) => expect(page.getByTestId('buy-now')).toHaveText('立即购买'),
    buttonRows: 0,
  },
  {
    name: 'shop-checkout',
    title: '确认订单',
    path: async () => `shop/pages/checkout/index?productId=${(await productNamed(DEMO.notebook)).id}`,
    ready: (page) => expect(page.getByTestId('submit-order')).toHaveText('提交订单'),
    // − and + of the quantity.
    buttonRows: 1,
  },
  {
    name: 'shop-orders',
    title: '我的订单',
    path: async (wxUser) => {
      await orderOf(wxUser);
      return 'shop/pages/orders/index';
    },
    ready: (page) => expect(page.getByTestId('order-card')).toHaveCount(1),
    buttonRows: 0,
  },
  {
    name: 'shop-order',
    title: '订单详情',
    path: async (wxUser) => `shop/pages/order/index?id=${await orderOf(wxUser)}`,
    ready: (page) => expect(page.getByTestId('cancel-order')).toBeVisible(),
    buttonRows: 0,
  },
];

for (const phone of PHONES) {
  test.describe(`${phone.width} px wide`, () => {
    test.use({ viewport: phone });

    for (const target of PAGES) {
      test(`${target.title} fits the screen, with its buttons whole and lined up`, async ({ page, openApp, wxUser }, testInfo) => {
        await openApp(typeof target.path === 'string' ? target.path : await target.path(wxUser));
        await target.ready(page);

        // Before any check, so that a failure comes with the picture of it.
        const screenshot = path.join(e2eRoot, 'test-results/screenshots', String(phone.width), `${target.name}.png`);
        await page.screenshot({ path: screenshot, fullPage: true });
        await testInfo.attach(`${phone.width}-${target.name}`, { path: screenshot, contentType: 'image/png' });

        const fit = await measureHorizontalFit(page);
        expect(fit.viewportWidth).toBe(phone.width);
        expect(fit.overflows, 'elements past the right edge').toEqual([]);
        expect(fit.sidewaysScrolls, 'sideways scrolling').toEqual([]);

        const rows = await measureButtonRows(page);
        expect(rows, 'rows of buttons').toHaveLength(target.buttonRows);
        for (const row of rows) {
          const [first, ...others] = row;
          for (const other of others) {
            const what = `${other.text} against ${first!.text}`;
            expect(Math.abs(other.top - first!.top), `top of ${what}`).toBeLessThanOrEqual(ALIGNMENT_TOLERANCE_PX);
            expect(Math.abs(other.centre - first!.centre), `centre of ${what}`).toBeLessThanOrEqual(ALIGNMENT_TOLERANCE_PX);
            expect(Math.abs(other.height - first!.height), `height of ${what}`).toBeLessThanOrEqual(ALIGNMENT_TOLERANCE_PX);
          }
        }

        const cutOff = (await measureButtonOutlines(page)).filter((button) => button.missingSides.length > 0);
        expect(cutOff, 'buttons with a side of their border cut off').toEqual([]);
      });
    }
  });
}
