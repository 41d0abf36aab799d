/**
 * 环境 (develop and trial only): which backend this build talks to and why, its version, the
 * signed-in user, and the tester's gray channel, sent as a header the server logs.
 */
import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { useSession } from '../../../api/use-session';
import { clientEnv, taroEnv } from '../../../config';
import { currentGrayChannel, setGrayChannel } from '../../../platform/gray-channel';
import { runMode } from '../../../platform/run-mode';
import { toastSuccess } from '../../../platform/toast';
import { InfoRow } from '../../../components/InfoRow';
import './index.css';

const MODE_NAMES = { develop: '开发版', trial: '体验版', release: '正式版' } as const;

function GrayChannel() {
  const [saved, setSaved] = useState(currentGrayChannel());
  const [draft, setDraft] = useState(saved ?? '');
  const [problem, setProblem] = useState<string | null>(null);

  const apply = (channel: string | null) => {
    const error = setGrayChannel(channel);
    setProblem(error);
    if (error) return;
    setSaved(currentGrayChannel());
    setDraft(channel ?? '');
    toastSuccess(channel ? '已切换灰度通道' : '已退出灰度');
  };

  return (
    <View className="card">
      <Text className="card__title">灰度通道（随每个请求发送，服务端记录在日志中）</Text>
      <InfoRow label="当前" value={saved ?? '未设置'} testId="env-gray-channel" />
      <Input className="env__input" value={draft} placeholder="例如 canary" onInput={(event) => setDraft(event.detail.value)} />
      {problem && <Text className="field-error">{problem}</Text>}
      <View className="env__actions">
        <Button className="env__action" size="mini" type="primary" onClick={() => apply(draft)}>
          切换
        </Button>
        <Button className="env__action" size="mini" onClick={() => apply(null)}>
          清除
        </Button>
      </View>
    </View>
  );
}

export default function EnvPage() {
  const state = useSession();
  if (!runMode.isTesting) {
    return (
      <View className="page">
        <Text className="muted">正式版不提供环境信息。</Text>
      </View>
    );
  }
  const reportedName = MODE_NAMES[runMode.reported];
  const mode = runMode.reported === runMode.effective ? reportedName : `${reportedName}（生产构建按${MODE_NAMES[runMode.effective]}处理）`;
  return (
    <View className="page">
      <View className="card">
        <InfoRow label="运行环境" value={mode} testId="env-mode" />
        <InfoRow label="接口地址" value={runMode.apiBaseUrl} testId="env-api-base" />
        <InfoRow label="构建模式" value={`${clientEnv.buildMode}${clientEnv.production ? '（生产构建）' : ''}`} />
        <InfoRow label="版本" value={clientEnv.buildVersion} testId="env-version" />
        <InfoRow label="平台" value={taroEnv} />
        <InfoRow label="用户 ID" value={state.status === 'signed-in' ? String(state.userId) : '未登录'} testId="env-user-id" />
      </View>
      <GrayChannel />
    </View>
  );
}
