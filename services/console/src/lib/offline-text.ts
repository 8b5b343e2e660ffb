import { useI18n, type Lang } from './i18n';

/** The words of the phone's offline mode (network bar, queue, 未能提交), in both console languages. */
const zh = {
  online: '在线',
  offline: '离线',
  sending: '正在发送 {n} 条',
  lastConfirmed: '最后确认于 {time}',
  neverConfirmed: '尚未与服务器确认',
  offlineSnapshot: '离线 · 最后确认于 {time}',
  queuedTitle: '待发送（{n} 条，联网后按顺序提交）',
  actedAt: '操作于 {time}',
  refusedTitle: '未能提交（{n} 条）',
  refusedHint: '服务器未接受以下操作，请选择如何处理：',
  serverReason: '服务器答复：{reason}',
  discard: '放弃',
  editResend: '修改后重发',
  asReport: '改为现场报告',
  resend: '重新发送',
  cancel: '取消',
  queuedNotice: '已存入待发送队列，联网后自动提交',
  occurredRecorded: '发生于 {occurred} · 记录于 {recorded}',
  'command.PostSceneReport': '现场报告',
  'command.SubmitResourceRequest': '资源请求',
  'command.OfferTransfer': '移交指挥',
  'command.RecordTransferBriefing': '移交简报',
  'command.AcceptTransfer': '接受移交',
  'command.DeclineTransfer': '拒绝移交',
  'command.WithdrawTransfer': '撤回移交',
  'command.AssumeProvisionalCommand': '接管现场指挥',
  'command.other': '现场指挥操作',
} as const;

type OfflineKey = keyof typeof zh;

const en: Record<OfflineKey, string> = {
  online: 'Online',
  offline: 'Offline',
  sending: 'Sending {n}',
  lastConfirmed: 'Last confirmed {time}',
  neverConfirmed: 'Not yet confirmed by the server',
  offlineSnapshot: 'Offline · last confirmed {time}',
  queuedTitle: 'Waiting to send ({n}, sent in order once online)',
  actedAt: 'Done at {time}',
  refusedTitle: 'Not accepted ({n})',
  refusedHint: 'The server did not accept these; choose what to do:',
  serverReason: 'Server: {reason}',
  discard: 'Discard',
  editResend: 'Edit and resend',
  asReport: 'Send as a scene report',
  resend: 'Resend',
  cancel: 'Cancel',
  queuedNotice: 'Queued; sent once the network is back',
  occurredRecorded: 'happened {occurred} · recorded {recorded}',
  'command.PostSceneReport': 'Scene report',
  'command.SubmitResourceRequest': 'Resource request',
  'command.OfferTransfer': 'Hand over command',
  'command.RecordTransferBriefing': 'Transfer briefing',
  'command.AcceptTransfer': 'Accept the transfer',
  'command.DeclineTransfer': 'Decline the transfer',
  'command.WithdrawTransfer': 'Withdraw the transfer',
  'command.AssumeProvisionalCommand': 'Take command on scene',
  'command.other': 'On-scene command',
};

/** A message with its `{name}` slots filled. */
export function offlineWord(lang: Lang, key: OfflineKey, slots: Record<string, string> = {}): string {
  const text: string = (lang === 'en' ? en : zh)[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => slots[name] ?? whole);
}

/** A queued command's name in the console's language. */
export function commandName(lang: Lang, type: string): string {
  const key = `command.${type}`;
  return offlineWord(lang, key in zh ? (key as OfflineKey) : 'command.other');
}

export function useOfflineWords(): (key: OfflineKey, slots?: Record<string, string>) => string {
  const { lang } = useI18n();
  return (key, slots) => offlineWord(lang, key, slots);
}
