/**
 * 我的: nickname (WeChat's nickname input), avatar (chooseAvatar, uploaded), phone binding
 * (getPhoneNumber), 我的订单 (in the shop subpackage), sign-out, and for testers the 环境 page.
 * H5 has no chooseAvatar or getPhoneNumber: it picks an image file and asks the WeChat mock for a
 * phone code instead.
 */
import { Button, Text, View } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { currentUser, session } from '../../api/client';
import { useCurrentUser } from '../../api/use-current-user';
import { useQuery } from '../../api/use-query';
import { Avatar } from '../../components/Avatar';
import { ErrorView } from '../../components/ErrorView';
import { Loading } from '../../components/Loading';
import { SignInGate } from '../../components/SignInGate';
import { runMode } from '../../platform/run-mode';
import { displayName } from '../../ui/format';
import { toastError } from '../../ui/toast-error';
import { AvatarPicker } from './AvatarPicker';
import { NicknameForm } from './NicknameForm';
import { PhoneBinding } from './PhoneBinding';
import './index.css';

async function confirmSignOut() {
  const { confirm } = await Taro.showModal({ title: '退出登录', content: '退出后需要重新登录才能使用，确定退出吗？' });
  if (confirm) await session.signOut().catch(toastError);
}

const openOrders = () => void Taro.navigateTo({ url: '/shop/pages/orders/index' });

function Profile() {
  const user = useCurrentUser();
  // Fetched afresh when the page opens; meanwhile it shows the user the app already has, if any.
  // Each change below leaves the server's answer in currentUser, which every page reads.
  const { error, reload } = useQuery((signal) => currentUser.load(signal), []);

  if (!user) return error ? <ErrorView title="加载失败" error={error} onRetry={reload} /> : <Loading />;
  return (
    <View className="page profile">
      <View className="card profile__header">
        <AvatarPicker>
          <Avatar url={user.avatarUrl} name={displayName(user)} />
        </AvatarPicker>
        <Text className="muted profile__hint">点击头像更换</Text>
      </View>
      <View className="card">
        <NicknameForm user={user} />
      </View>
      <View className="card">
        <PhoneBinding user={user} />
      </View>
      <View className="card row profile__link" data-testid="profile-open-orders" onClick={openOrders}>
        <Text className="row__label">我的订单</Text>
        <Text className="muted">›</Text>
      </View>
      {runMode.isTesting && (
        <View className="card row profile__link" onClick={() => void Taro.navigateTo({ url: '/debug/pages/env/index' })}>
          <Text className="row__label">环境信息</Text>
          <Text className="muted">{runMode.effective} ›</Text>
        </View>
      )}
      <Button className="profile__sign-out" onClick={() => void confirmSignOut()}>
        退出登录
      </Button>
    </View>
  );
}

export default function ProfilePage() {
  return (
    <SignInGate>
      <Profile />
    </SignInGate>
  );
}
