/** Shows any error as a toast: the shared code's zh-CN message and the request id's tail. */
import { appErrorOf } from '../errors/app-error';
import { toastText } from '../platform/toast';
import { errorToastText } from './error-text';

export function toastError(error: unknown): void {
  const info = appErrorOf(error);
  if (info.code === 'REQUEST_CANCELLED') return; // the page that asked is gone
  toastText(errorToastText(info));
}
