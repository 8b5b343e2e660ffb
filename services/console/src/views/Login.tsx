import type { ConsoleConfig } from '@muster/client';
import { LoginSchema } from '@muster/contracts';
import { useState, type FormEvent } from 'react';
import { apiErrors, check, Field, FormError, type FieldErrors } from '../lib/forms';
import { useI18n } from '../lib/i18n';
import { anonymousClient, type Session } from '../lib/session';

export function Login({ config, onLogin }: { config: ConsoleConfig; onLogin(session: Session): void }) {
  const i18n = useI18n();
  const { t, lang, setLang } = i18n;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  async function login(user: string, pass: string) {
    const checked = check(LoginSchema, { username: user, password: pass });
    if (!checked.ok) return setErrors(checked.errors);
    setBusy(true);
    try {
      const answer = await anonymousClient().login(checked.value.username, checked.value.password);
      onLogin({ token: answer.token, expiresAt: answer.expiresAt, user: answer.user });
    } catch (error) {
      setErrors(apiErrors(error, i18n));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void login(username, password);
  }

  return (
    <div className="login">
      <h1>{t('appName')}</h1>
      <button type="button" className="link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
        {t('language')}
      </button>
      <form onSubmit={submit} noValidate data-testid="login-form">
        <Field name="username" label={t('username')} error={errors['username']}>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
        </Field>
        <Field name="password" label={t('password')} error={errors['password']}>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <FormError errors={errors} />
        <button type="submit" disabled={busy}>
          {t('login')}
        </button>
      </form>
      {config.demoUsers.length > 0 ? (
        <section className="demo-users">
          <h2>{t('demoUsers')}</h2>
          <ul>
            {config.demoUsers.map((u) => (
              <li key={u.username}>
                <button type="button" data-testid={`demo-${u.username}`} onClick={() => void login(u.username, u.username)} disabled={busy}>
                  <strong>{u.username}</strong> {u.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
