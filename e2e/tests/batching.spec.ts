/** Journey 5: 首页's queries travel as one tRPC HTTP request. */
import { expect, recordTrpc, test } from '../fixtures/app';

test('opening 首页 sends its queries as one batched request', async ({ page, openApp }) => {
  await openApp();
  await expect(page.getByTestId('home-user-id')).toBeVisible();

  // Signed in: open 首页 afresh and count what goes to the API.
  const calls = recordTrpc(page);
  await page.reload();
  await expect(page.getByTestId('home-health')).toHaveText('正常');
  await expect(page.getByTestId('home-user-id')).toBeVisible();

  expect(calls.map((call) => `${call.method} ${call.procedures}`)).toEqual(['GET user.me,health']);
  expect(calls[0]!.headers['x-request-id']).toMatch(/^mp-/);
  expect(calls[0]!.headers.authorization).toMatch(/^Bearer /);
});
