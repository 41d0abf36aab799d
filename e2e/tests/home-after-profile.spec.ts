/** Journey 7: a nickname saved on 我的 is on 首页 the first time back through the tab bar. */
import { expect, test } from '../fixtures/app';

test('首页 shows the nickname saved on 我的 the first time back, without a reload', async ({ page, openApp }) => {
  await openApp();
  await expect(page.getByTestId('home-nickname')).toHaveText('微信用户');
  // Gone if the page reloads: the journey must stay in one page load, as a user on a phone does.
  await page.evaluate(() => Object.assign(window, { sameLoad: true }));

  await page.getByText('我的', { exact: true }).click();
  const nickname = page.getByTestId('nickname-input').locator('input');
  await expect(nickname).toBeVisible();
  await nickname.fill('回到首页的小红');
  await page.getByText('保存昵称').click();
  await expect(page.getByText('昵称已保存')).toBeVisible();

  await page.getByText('首页', { exact: true }).click();
  await expect(page.getByTestId('home-nickname')).toHaveText('回到首页的小红');
  expect(await page.evaluate(() => 'sameLoad' in window)).toBe(true);
});
