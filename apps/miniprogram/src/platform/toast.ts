/** Shows any error as a toast: the shared code's zh-CN message and the request id's tail. */
import Taro from '@tarojs/taro';
import { appErrorOf, errorToastText } from '../api/app-error';

export function toastError(error: unknown): void {
  const info = appErrorOf(error);
  if (info.code === 'REQUEST_CANCELLED') return; // the page that asked is gone
  void Taro.showToast({ title: errorToastText(info), icon: 'none', duration: 3000 });
}

export function toastSuccess(title: string): void {
  void Taro.showToast({ title, icon: 'success', duration: 1500 });
}
