/** Journey 1: the first launch signs in silently and creates the user; a reload keeps the session. */
import mysql from 'mysql2/promise';
import { expect, mock, recordTrpc, test } from '../fixtures/app';
import { journeyDatabase } from '../fixtures/stack-config';

test('first launch signs in silently, 首页 shows the new user, and a reload keeps the session', async ({ page, openApp, wxUser }) => {
  const calls = recordTrpc(page);
  await openApp();

  const userId = page.getByTestId('home-user-id');
  await expect(userId).toHaveText(/^用户 ID \d+$/);
  await expect(page.getByTestId('home-nickname')).toHaveText('微信用户');
  await expect(page.getByTestId('home-health')).toHaveText('正常');
  expect(calls.filter((call) => call.procedures === 'auth.login')).toHaveLength(1);
  const id = Number((await userId.textContent())!.replace(/\D/g, ''));

  // The user exists in the database, under this WeChat user's openid.
  const { openid } = await mock.loginCode(wxUser);
  const db = await mysql.createConnection(journeyDatabase.url!);
  try {
    const [rows] = await db.query('SELECT id FROM users WHERE openid = ?', [openid]);
    expect(rows).toEqual([{ id }]);
  } finally {
    await db.end();
  }

  calls.length = 0;
  await page.reload();
  await expect(userId).toHaveText(`用户 ID ${id}`);
  expect(calls.map((call) => call.procedures)).not.toContain('auth.login');
});
