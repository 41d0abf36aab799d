/**
 * 首页: the signed-in user and the server's status, fetched together: the two queries go out as
 * one batched HTTP request; and the ways into the shop (商城, 我的订单). The user shown is the app's one copy (currentUser), which 我的 keeps
 * current, so what this page shows does not depend on when it mounted or last loaded.
 */
import { Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro';
import { api, currentUser } from '../../api/client';
import { useCurrentUser } from '../../api/use-current-user';
import { useQuery } from '../../api/use-query';
import { Avatar } from '../../components/Avatar';
import { ErrorView } from '../../components/ErrorView';
import { Loading } from '../../components/Loading';
import { SignInGate } from '../../components/SignInGate';
import { displayName, formatDateTime } from '../../ui/format';
import './index.css';

// The shop is a subpackage (shop/): loaded when first opened, so it weighs nothing here.
const openShop = () => void Taro.navigateTo({ url: '/shop/pages/products/index' });
const openOrders = () => void Taro.navigateTo({ url: '/shop/pages/orders/index' });

function Home() {
  const me = useCurrentUser();
  // Both calls in one tick, so one batched request; the user lands in currentUser.
  const loadUserAndHealth = async (signal: AbortSignal) => {
    const [, health] = await Promise.all([currentUser.load(signal), api.health.query(undefined, { signal })]);
    return health;
  };
  const { data: health, error, loading, reload } = useQuery(loadUserAndHealth, []);
  // Shown again (back from another page): refresh. Not while a load runs: the page mounts after
  // sign-in, so whether it sees its own first show, during the first load, depends on timing.
  useDidShow(() => {
    if (!loading) reload();
  });
  usePullDownRefresh(() => {
    reload();
    void Taro.stopPullDownRefresh();
  });

  if (!me || !health) return error ? <ErrorView title="加载失败" error={error} onRetry={reload} /> : <Loading />;
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
      <View className="card home__shop">
        <View className="row home__link" data-testid="open-shop" onClick={openShop}>
          <Text>商城</Text>
          <Text className="muted">逛逛精选好物 ›</Text>
        </View>
        <View className="row home__link" data-testid="home-open-orders" onClick={openOrders}>
          <Text>我的订单</Text>
          <Text className="muted">›</Text>
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
