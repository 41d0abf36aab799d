/// <reference types="@tarojs/taro" />

declare module '*.png';
declare module '*.css';

declare namespace NodeJS {
  interface ProcessEnv {
    /** The Taro build target. */
    TARO_ENV: 'weapp' | 'h5';
    /** Injected by config/index.ts: the Taro build mode and the app's version. */
    BUILD_MODE?: string;
    BUILD_VERSION?: string;
    TARO_APP_ID?: string;
    TARO_APP_API_DEVELOP?: string;
    TARO_APP_API_TRIAL?: string;
    TARO_APP_API_RELEASE?: string;
    TARO_APP_H5_ENV_VERSION?: string;
    TARO_APP_REGISTERED_PORTS?: string;
    TARO_APP_WECHAT_MOCK_URL?: string;
    TARO_APP_PAID_MESSAGE_TEMPLATE_ID?: string;
  }
}
