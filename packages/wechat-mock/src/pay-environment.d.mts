/** The server's WECHATPAY_* variables for paying through a running mock (pay-environment.mjs). */
export function payEnvironmentFor(mockUrl: string, notifyUrl: string): Promise<Record<string, string>>;
