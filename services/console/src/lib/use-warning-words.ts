import { useI18n } from './i18n';
import { warningWord, warningWordOf, type WarningWordKey } from './warning-text';

/** The warning screens' words in the console's language: `w` by key, `wr` by a key built at run time. */
export function useWarningWords(): { w: (key: WarningWordKey, slots?: Record<string, string | number>) => string; wr: (prefix: string, value: string) => string } {
  const { lang } = useI18n();
  return { w: (key, slots) => warningWord(lang, key, slots), wr: (prefix, value) => warningWordOf(lang, prefix, value) };
}
