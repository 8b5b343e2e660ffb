import type { Jurisdiction } from '@muster/client';
import { TipOffFormSchema } from '@muster/contracts';
import { useEffect, useState } from 'react';
import { CommandForm } from '../lib/command-form';
import { useI18n } from '../lib/i18n';
import { anonymousClient } from '../lib/session';

/**
 * 安全隐患举报: the public form, without a login. What the citizen saw and where, and who they are;
 * the identity goes to the api's confidential store and is shown to no one but the owning room's
 * leader. Where is a county or district of the city, picked by name.
 */
export function TipOffForm() {
  const { t, lang } = useI18n();
  const [places, setPlaces] = useState<Jurisdiction[]>([]);
  const [received, setReceived] = useState(false);
  useEffect(() => {
    void anonymousClient()
      .call('publicJurisdictions')
      .then((answer) => setPlaces(answer.items.filter((j) => j.level === 'county' || j.level === 'zone')));
  }, []);
  const nameOf = (j: Jurisdiction) => (lang === 'en' ? (j.nameEn ?? j.name) : j.name);

  return (
    <main className="public-form" data-testid="tip-off-page">
      <h1>{t('tipOffFormTitle')}</h1>
      <p>{t('tipOffIntro')}</p>
      {received ? (
        <p className="sent" data-testid="tip-off-received">
          {t('tipOffReceived')}
        </p>
      ) : null}
      <CommandForm
        title={t('tipOffSubmit')}
        testId="tip-off"
        schema={TipOffFormSchema}
        fields={[
          { name: 'location.jurisdiction', label: 'tipOffCounty', kind: 'select', options: places.map((j) => ({ value: j.code, label: nameOf(j) })) },
          { name: 'location.address', label: 'hazardAddress', kind: 'text' },
          { name: 'title', label: 'hazardTitle', kind: 'text' },
          { name: 'description', label: 'hazardDescription', kind: 'textarea' },
          { name: 'reporter.name', label: 'reporterName', kind: 'text' },
          { name: 'reporter.phone', label: 'reporterPhone', kind: 'text' },
          { name: 'reporter.idNumber', label: 'reporterIdNumber', kind: 'text' },
          { name: 'reporter.address', label: 'reporterAddress', kind: 'text' },
        ]}
        send={(form) => anonymousClient().call('publicTipOff', { body: form })}
        submitLabel={t('tipOffSubmit')}
        onSent={() => setReceived(true)}
      />
    </main>
  );
}
