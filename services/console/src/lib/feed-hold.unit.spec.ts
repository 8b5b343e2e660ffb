import { describe, expect, it } from 'vitest';
import { feedHeldText } from './feed-hold';
import { translator } from './i18n';

describe('the live feed held: what the connection badge says', () => {
  it('in zh-CN: Chinese words only and the time in Beijing time', () => {
    const { t } = translator('zh-CN');
    const text = feedHeldText('2026-12-07T11:20:05.123Z', 'zh-CN', t);
    expect(text).toBe('实时推送暂停：19:20:05 (UTC+8 北京时间) 起提交的新事件暂未送达');
    expect(text.replace('UTC+8', '')).not.toMatch(/[A-Za-z]/);
    expect(t('conn.heldWhy')).toMatch(/^[^A-Za-z]+$/);
  });

  it('in English', () => {
    const { t } = translator('en');
    expect(feedHeldText('2026-12-07T11:20:05.123Z', 'en', t)).toBe('live feed held: 19:20:05 (UTC+8 Asia/Shanghai) new events committed since then have not arrived yet');
  });
});
