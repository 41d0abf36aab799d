/**
 * WeChat's toasts as the app uses them: a text toast (no icon, so it has room for two lines) and
 * a short success tick. What an error's text says is decided above, in ui/.
 */
import Taro from '@tarojs/taro';

export function toastText(text: string): void {
  void Taro.showToast({ title: text, icon: 'none', duration: 3000 });
}

export function toastSuccess(title: string): void {
  void Taro.showToast({ title, icon: 'success', duration: 1500 });
}
