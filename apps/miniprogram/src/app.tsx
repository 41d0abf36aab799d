import { z } from '@app/shared';
import { useLaunch } from '@tarojs/taro';
import type { PropsWithChildren } from 'react';
import { session } from './api/client';
import './app.css';

// Mini-programs forbid eval: zod must not even try its compiled fast path.
z.config({ jitless: true });

function App({ children }: PropsWithChildren) {
  // Silent sign-in (or last time's session) before any page asks for data.
  useLaunch(() => void session.start());
  return children;
}

export default App;
