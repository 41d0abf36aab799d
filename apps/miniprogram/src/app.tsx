import { disallowEval } from '@app/shared';
import { useLaunch } from '@tarojs/taro';
import type { PropsWithChildren } from 'react';
import { session } from './api/client';
import './app.css';

disallowEval();

function App({ children }: PropsWithChildren) {
  // Silent sign-in (or last time's session) before any page asks for data.
  useLaunch(() => void session.start());
  return children;
}

export default App;
