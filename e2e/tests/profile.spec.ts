/** Journey 3: 我的 — nickname, avatar, phone, sign-out and sign-in as the same WeChat user. */
import path from 'node:path';
import { expect, test } from '../fixtures/app';
import { repoRoot, stack } from '../fixtures/stack-config';

const AVATAR = path.join(repoRoot, 'apps/miniprogram/src/assets/tabbar/profile-active.png');

test('edits the profile, keeps it across reloads, and signs out and in as the same user', async ({ page, openApp }) => {
  await openApp('pages/profile/index');
  const nickname = page.getByTestId('nickname-input').locator('input');
  await expect(nickname).toBeVisible();

  // The shared schema's rule, in zh-CN, before anything is sent.
  await nickname.fill('   ');
  await page.getByText('保存昵称').click();
  await expect(page.getByTestId('nickname-error')).toHaveText('昵称不能为空');
  await nickname.fill('这是一个超过二十个字的昵称这是一个超过二十个字的昵称');
  await page.getByText('保存昵称').click();
  await expect(page.getByTestId('nickname-error')).toHaveText('昵称最多 20 个字');

  await nickname.fill('端到端小明');
  await page.getByText('保存昵称').click();
  await expect(page.getByText('昵称已保存')).toBeVisible();
  await expect(page.getByTestId('nickname-error')).toHaveCount(0);

  // Avatar: the file goes to /uploads, the profile points at it, the page shows it.
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('avatar-picker').click();
  await (await chooser).setFiles(AVATAR);
  await expect(page.getByText('头像已更新')).toBeVisible();
  const avatar = page.locator('.avatar img');
  await expect(avatar).toHaveAttribute('src', new RegExp(`^${stack.apiUrl}/uploads/[a-f0-9]{32}\\.png$`));
  const loaded = await avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
  expect(loaded).toBe(true);

  // Phone: a code from the WeChat mock (getPhoneNumber on a phone), exchanged by the server.
  await page.getByTestId('bind-phone').click();
  await expect(page.getByTestId('phone-masked')).toHaveText('138****8000');

  await page.reload();
  await expect(nickname).toHaveValue('端到端小明');
  await expect(page.getByTestId('phone-masked')).toHaveText('138****8000');
  await page.getByText('首页', { exact: true }).click();
  await expect(page.getByTestId('home-nickname')).toHaveText('端到端小明');
  const userId = await page.getByTestId('home-user-id').textContent();

  // Sign out, then in again: the same WeChat user is the same account.
  await page.getByText('我的', { exact: true }).click();
  await page.getByText('退出登录', { exact: true }).click();
  await page.getByText('确定', { exact: true }).click();
  // Both tab pages stay mounted on H5, and both now show the signed-out state: use the visible one.
  await expect(page.getByText('你已退出登录').filter({ visible: true })).toBeVisible();
  await page.getByText('微信一键登录').filter({ visible: true }).click();
  await expect(nickname).toHaveValue('端到端小明');
  await page.getByText('首页', { exact: true }).click();
  await expect(page.getByTestId('home-user-id')).toHaveText(userId!);
});
