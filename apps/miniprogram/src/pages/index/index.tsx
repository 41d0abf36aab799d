/**
 * 首页: the signed-in user and the server's status, fetched together: the two queries go out as
 * one batched HTTP request.
 */
import { Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro';
import { useRef } from 'react';
import { api } from '../../api/client';
import { useQuery } from '../../api/use-query';
import { Avatar } from '../../components/Avatar';
import { ErrorView } from '../../components/ErrorView';
import { Loading } from '../../components/Loading';
import { SignInGate } from '../../components/SignInGate';
import { displayName, formatDateTime } from '../../ui/format';
import './index.css';

function Home() {
  const { data, error, loading, reload } = useQuery(
    (signal) => Promise.all([api.user.me.query(undefined, { signal }), api.health.query(undefined, { signal })]),
    [],
  );
  // Back from 我的 with a new nickname or avatar: show it.
  const shownBefore = useRef(false);
  useDidShow(() => {
    if (shownBefore.current) reload();
    shownBefore.current = true;
  });
  usePullDownRefresh(() => {
    reload();
    void Taro.stopPullDownRefresh();
  });

  if (!data) return error ? <ErrorView title="加载失败" error={error} onRetry={reload} /> : <Loading />;
  const [me, health] = data;
  return (
    <View className="page home">
      <View className="card home__user">
        <Avatar url={me.avatarUrl} name={displayName(me)} />
        <View className="home__user-text">
          <Text className="home__name" data-testid="home-nickname">
            {displayName(me)}
          </Text>
          <Text className="muted" data-testid="home-user-id">
            用户 ID {me.id}
          </Text>
          <Text className="muted">注册于 {formatDateTime(me.createdAt)}</Text>
        </View>
      </View>
      <View className="card">
        <Text className="card__title">服务状态{loading ? '（刷新中）' : ''}</Text>
        <View className="row">
          <Text className="row__label">接口</Text>
          <Text className="row__value" data-testid="home-health">
            {health.ok ? '正常' : '异常'}
          </Text>
        </View>
        <View className="row">
          <Text className="row__label">数据库</Text>
          <Text className="row__value">{health.db === 'up' ? '正常' : '不可用'}</Text>
        </View>
        <View className="row">
          <Text className="row__label">服务版本</Text>
          <Text className="row__value">{health.version}</Text>
        </View>
        <View className="row">
          <Text className="row__label">服务器时间</Text>
          <Text className="row__value">{formatDateTime(health.time)}</Text>
        </View>
      </View>
    </View>
  );
}

export default function HomePage() {
  return (
    <SignInGate>
      <Home />
    </SignInGate>
  );
}
