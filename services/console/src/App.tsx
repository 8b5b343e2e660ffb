import { createHttpClient, MusterApiError, type ConsoleConfig, type Jurisdiction } from '@muster/client';
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from './lib/i18n';
import { keep, kept } from './lib/offline-store';
import { OfflineProvider } from './lib/offline-sync';
import { nameIn } from './lib/reports';
import { href, useRoute } from './lib/route';
import { AppProvider, anonymousClient, jurisdictionName, loadSession, saveSession, type AppContextValue, type Session } from './lib/session';
import { Board } from './views/Board';
import { CommanderView } from './views/Commander';
import { DepotsView } from './views/Depots';
import { DutyView } from './views/Duty';
import { HazardsView, HazardView } from './views/Hazards';
import { InspectionsView } from './views/Inspections';
import { TipOffForm } from './views/TipOffForm';
import { IncidentView } from './views/Incident';
import { InterviewsView } from './views/Interviews';
import { PlanDetailView, PlansView } from './views/Plans';
import { DrillDetailView, DrillsView } from './views/Drills';
import { drillWord } from './lib/drill';
import { planWord } from './lib/plan-text';
import { Login } from './views/Login';
import { ReviewView } from './views/Review';
import { ScoresView } from './views/Scores';
import { AvailabilityView } from './views/Availability';
import { RegistriesView } from './views/Registries';
import { ContactsView } from './views/Contacts';
import { WarningAckPage } from './views/WarningAck';
import { WarningPage } from './views/Warning';
import { WarningsView } from './views/Warnings';
import { warningWord } from './lib/warning-text';

export function App() {
  const { t, lang, setLang } = useI18n();
  const [session, setSession] = useState<Session | null>(loadSession);
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [jurisdictions, setJurisdictions] = useState<Map<string, Jurisdiction>>(new Map());
  const [fatal, setFatal] = useState<string | null>(null);
  const route = useRoute();

  useEffect(() => {
    // With no network (the phone app opened from its service worker) the last configuration seen serves.
    anonymousClient()
      .consoleConfig()
      .then(
        (answer) => {
          setConfig(answer);
          void keep('config', answer);
        },
        (e: unknown) => void kept('config').then((last) => (last ? setConfig(last) : setFatal(String(e))), () => setFatal(String(e))),
      );
  }, []);

  const client = useMemo(
    () => (session ? createHttpClient({ baseUrl: window.location.origin, token: () => session.token }) : null),
    [session],
  );

  useEffect(() => {
    if (!client) return;
    client.jurisdictions().then(
      (list) => {
        setJurisdictions(new Map(list.items.map((j) => [j.code, j])));
        void keep('jurisdictions', list.items);
      },
      (e: unknown) => {
        // An expired or revoked token: back to the login page rather than a broken console.
        if (e instanceof MusterApiError && e.status === 401) logout();
        else void kept('jurisdictions').then((last) => last && setJurisdictions(new Map(last.map((j) => [j.code, j]))));
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  function logout() {
    saveSession(null);
    setSession(null);
  }

  // 预警 (issue 21): the recipient's phone page is public, opened from the signed link without a login.
  if (route.view === 'ack') return <WarningAckPage token={route.token} />;
  if (fatal) return <p className="form-error">{fatal}</p>;
  if (!config) return <p className="loading">{t('loading')}</p>;
  // The public tip-off form (举报) takes no login.
  if (route.view === 'tipOff') return <TipOffForm />;
  if (!session || !client) {
    return (
      <Login
        config={config}
        onLogin={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  }

  const value: AppContextValue = {
    session,
    client,
    config,
    jurisdictions,
    logout,
    hasRole: (...roles) => session.user.roles.some((r) => roles.includes(r)),
  };
  const phone = route.view === 'commander';
  return (
    <AppProvider value={value}>
      <OfflineProvider client={client} userId={session.user.userId}>
      <div className={phone ? 'app phone' : 'app'}>
        <header className="top">
          <a className="brand" href={href({ view: 'board' })}>
            {t('appName')}
          </a>
          {phone ? null : (
            <nav className="menu" data-testid="menu">
              <a href={href({ view: 'board' })}>{t('board')}</a>
              <a href={href({ view: 'scores' })} data-testid="menu-scores">
                {t('scores')}
              </a>
              <a href={href({ view: 'interviews' })} data-testid="menu-interviews">
                {t('interviews')}
              </a>
              <a href={href({ view: 'depots' })} data-testid="menu-depots">
                {t('depots')}
              </a>
              <a href={href({ view: 'duty' })} data-testid="menu-duty">
                {t('dutyRoom')}
              </a>
              <a href={href({ view: 'hazards' })} data-testid="menu-hazards">
                {t('hazardMenu')}
              </a>
              <a href={href({ view: 'plans' })} data-testid="menu-plans">
                {planWord(lang, 'plans')}
              </a>
              <a href={href({ view: 'drills' })} data-testid="menu-drills">
                {drillWord(lang, 'drills')}
              </a>
              <a href={href({ view: 'registries' })} data-testid="menu-registries">
                {t('registries')}
              </a>
              <a href={href({ view: 'availability' })} data-testid="menu-availability">
                {t('availability')}
              </a>
              <a href={href({ view: 'warnings' })} data-testid="menu-warnings">
                {warningWord(lang, 'warnings')}
              </a>
            </nav>
          )}
          <span className="who" data-testid="who">
            {session.user.name ? nameIn(session.user.name, lang) : session.user.userId} · {jurisdictionName(jurisdictions, session.user.jurisdiction, lang)}
          </span>
          <button type="button" className="link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} data-testid="language">
            {t('language')}
          </button>
          <button type="button" className="link" onClick={logout}>
            {t('logout')}
          </button>
        </header>
        <main>
          {route.view === 'board' ? <Board /> : null}
          {route.view === 'scores' ? <ScoresView /> : null}
          {route.view === 'incident' ? <IncidentView key={route.incidentId} incidentId={route.incidentId} /> : null}
          {route.view === 'commander' ? <CommanderView key={route.incidentId} incidentId={route.incidentId} /> : null}
          {route.view === 'review' ? <ReviewView key={route.incidentId} incidentId={route.incidentId} /> : null}
          {route.view === 'interviews' ? <InterviewsView /> : null}
          {route.view === 'depots' ? <DepotsView /> : null}
          {route.view === 'duty' ? <DutyView /> : null}
          {route.view === 'hazards' ? <HazardsView /> : null}
          {route.view === 'hazard' ? <HazardView key={route.hazardId} hazardId={route.hazardId} /> : null}
          {route.view === 'inspections' ? <InspectionsView /> : null}
          {route.view === 'plans' ? <PlansView /> : null}
          {route.view === 'plan' ? <PlanDetailView key={route.planId} planId={route.planId} /> : null}
          {route.view === 'drills' ? <DrillsView /> : null}
          {route.view === 'drill' ? <DrillDetailView key={route.drillId} drillId={route.drillId} /> : null}
          {route.view === 'registries' ? <RegistriesView /> : null}
          {route.view === 'availability' ? <AvailabilityView /> : null}
          {route.view === 'warnings' ? <WarningsView /> : null}
          {route.view === 'warning' ? <WarningPage key={route.warningId} warningId={route.warningId} /> : null}
          {route.view === 'contacts' ? <ContactsView /> : null}
        </main>
      </div>
      </OfflineProvider>
    </AppProvider>
  );
}
