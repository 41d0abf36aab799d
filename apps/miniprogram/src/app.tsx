import { disallowEval } from '@app/shared';
import { useLaunch } from '@tarojs/taro';
import type { PropsWithChildren } from 'react';
import { session } from './api/client';
import { isH5 } from './config';
import { warnIfBaseLibraryTooOld } from './platform/base-library';
import './app.css';

disallowEval();

function App({ children }: PropsWithChildren) {
  useLaunch(() => {
    // A WeChat too old for the avatar and phone buttons says so once, at launch; H5 has no base library.
    if (!isH5) warnIfBaseLibraryTooOld();
    // Silent sign-in (or last time's session) before any page asks for data.
    void session.start();
  });
  return children;
}

export default App;
