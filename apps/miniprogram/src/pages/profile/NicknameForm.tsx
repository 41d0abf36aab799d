/** The nickname, checked by the same schema the server applies before it is sent. */
import { nicknameSchema, type User } from '@app/shared';
import { Button, Input, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { currentUser } from '../../api/client';
import { appErrorOf, firstIssueMessage } from '../../errors/app-error';
import { toastSuccess } from '../../platform/toast';
import { busyProps } from '../../ui/busy';
import { toastError } from '../../ui/toast-error';

export function NicknameForm({ user }: { user: User }) {
  const [nickname, setNickname] = useState(user.nickname ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async () => {
    const parsed = nicknameSchema.safeParse(nickname);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? '昵称无效');
      return;
    }
    setProblem(null);
    setSaving(true);
    try {
      await currentUser.updateProfile({ nickname: parsed.data });
      toastSuccess('昵称已保存');
    } catch (error) {
      const info = appErrorOf(error);
      // The server's own verdict on the field goes next to it; anything else is a toast.
      if (info.code === 'VALIDATION_FAILED') setProblem(firstIssueMessage(info));
      else toastError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <View className="nickname">
      <Text className="card__title">昵称</Text>
      <Input
        className="nickname__input"
        data-testid="nickname-input"
        type="nickname"
        value={nickname}
        placeholder="点击填写昵称"
        // WeChat's nickname picker fills the field without an input event: blur carries it.
        onInput={(event) => setNickname(event.detail.value)}
        onBlur={(event) => setNickname(event.detail.value)}
      />
      {problem && (
        <Text className="field-error" data-testid="nickname-error">
          {problem}
        </Text>
      )}
      <Button className="nickname__save" type="primary" {...busyProps(saving)} onClick={() => void save()}>
        保存昵称
      </Button>
    </View>
  );
}
