/** Journey 2: an expired access token is refreshed out of sight. */
import { expect, recordTrpc, test } from '../fixtures/app';
import { stack } from '../fixtures/stack-config';

test('after the access token expires, the next call refreshes transparently and the user sees no error', async ({ page, openApp }) => {
  await openApp();
  await expect(page.getByTestId('home-user-id')).toBeVisible();

  // The stack issues 10-second access tokens and tolerates no clock skew.
  await page.waitForTimeout((stack.accessTokenTtlSeconds + 1) * 1000);
  const calls = recordTrpc(page);
  await page.getByText('我的', { exact: true }).click();

  await expect(page.getByTestId('nickname-input')).toBeVisible();
  // 我的 shows the user the app already has while it asks again: wait for the answer.
  await expect
    .poll(() => calls.map((call) => `${call.procedures} ${call.status}`))
    .toEqual(['user.me 401', 'auth.refresh 200', 'user.me 200']);
  await expect(page.getByText('加载失败')).toHaveCount(0);
  await expect(page.getByText('登录失败')).toHaveCount(0);
  // The replay carries the new token.
  expect(calls[2]!.headers.authorization).not.toBe(calls[0]!.headers.authorization);
});
