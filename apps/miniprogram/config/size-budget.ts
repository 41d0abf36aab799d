/** The weapp main package's budget (WeChat's cap is 2 MB; a stock two-page Taro 4 React app is ~305 KB). */
export const MAIN_PACKAGE_BUDGET_BYTES = 450 * 1024;
