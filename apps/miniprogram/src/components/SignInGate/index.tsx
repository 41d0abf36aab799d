/**
 * Shows its children only to a signed-in user. Until then: a loading state while the silent
 * sign-in runs, the reason and a retry button when it failed (no button when a retry cannot help,
 * as in a web build without WeChat), a sign-in button after a sign-out.
 */
import { Button, Text, View } from '@tarojs/components';
import type { ReactNode } from 'react';
import { session } from '../../api/client';
import { useSession } from '../../api/use-session';
import { signInRetryCanHelp } from '../../auth/session';
import { ErrorView } from '../ErrorView';
import { Loading } from '../Loading';
import './index.css';

const signIn = () => void session.signIn().catch(() => undefined); // the state shows the failure

export function SignInGate({ children }: { children: ReactNode }) {
  const state = useSession();
  switch (state.status) {
    case 'signing-in':
      return <Loading text="正在登录…" />;
    case 'failed':
      return <ErrorView title="登录失败" error={state.error} onRetry={signInRetryCanHelp(state.error.code) ? signIn : undefined} />;
    case 'signed-out':
      return (
        <View className="signed-out">
          <Text className="signed-out__text">你已退出登录</Text>
          <Button className="signed-out__button" type="primary" onClick={signIn}>
            微信一键登录
          </Button>
        </View>
      );
    case 'signed-in':
      return <>{children}</>;
  }
}
