/**
 * zod, configured once for both sides: validation messages in zh-CN, since they reach end users
 * through the error shape and through the mini-program's forms.
 */
import { z } from 'zod';
import zhCN from 'zod/v4/locales/zh-CN.js';

z.config(zhCN());

export { z };
