/** How an error reads on screen (zh-CN): the message and, for support, the end of the request id. */
import { firstIssueMessage, type AppErrorInfo } from '../errors/app-error';

/** A toast's text: the field problem or the code's message, then the request id's last 8 characters. */
export function errorToastText(error: AppErrorInfo): string {
  const message = firstIssueMessage(error);
  return error.requestId ? `${message}（编号 ${error.requestId.slice(-8)}）` : message;
}
