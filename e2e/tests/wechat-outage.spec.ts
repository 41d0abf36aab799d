/** Journey 4: WeChat is down at sign-in; the app says so, offers a retry, and recovers. */
import { expect, mock, test } from '../fixtures/app';

test.afterEach(() => mock.clearFaults());

test('a WeChat outage at sign-in shows a clear error with a retry, which succeeds once WeChat is back', async ({ page, openApp }) => {
  await mock.setFaults({ down: true });
  await openApp();

  await expect(page.getByText('登录失败')).toBeVisible();
  await expect(page.getByText('暂时无法连接微信服务，请稍后再试')).toBeVisible();
  await expect(page.getByText(/错误码 WECHAT_UNAVAILABLE · 请求编号 mp-/)).toBeVisible();
  const retry = page.getByText('重试', { exact: true });
  await expect(retry).toBeVisible();

  await mock.clearFaults();
  await retry.click();
  await expect(page.getByTestId('home-user-id')).toHaveText(/^用户 ID \d+$/);
  await expect(page.getByText('登录失败')).toHaveCount(0);
});
