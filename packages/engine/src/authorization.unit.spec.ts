import { ForbiddenError, MusterError, NotFoundError, type CommandResult } from '@muster/contracts';
import { canSee, JurisdictionTree, ruleBookOf, ZHAOQING_JURISDICTIONS, type Actor, type IncidentContext, type Person } from '@muster/domain';
import { describe, expect, it } from 'vitest';
import { sceneStreamId } from './aggregates';
import { timersActor } from './authorization';
import { createEngine, type CommandEnvelope, type Engine } from './engine';
import { InMemoryEventStore } from './in-memory-event-store';

/**
 * Who may do what, through the engine (createEngine + InMemoryEventStore): each row builds a fresh
 * world, brings it to a situation, sends one command as one actor and expects success or a 403.
 */

// ---------------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------------

const actor = (userId: string, roles: Actor['roles'], jurisdiction: string): Actor => ({ userId, roles, jurisdiction });

// Rooms: 441203 is the lead county, 441200 its city, 440000 the province; 441204 a sibling county, 440100 another city.
const COUNTY_DUTY = actor('duty-441203', ['duty_officer'], '441203');
const COUNTY_LEADER = actor('leader-441203', ['leader'], '441203');
const CITY_DUTY = actor('duty-441200', ['duty_officer'], '441200');
const CITY_LEADER = actor('leader-441200', ['leader'], '441200');
const PROVINCE_DUTY = actor('duty-440000', ['duty_officer'], '440000');
const NEIGHBOUR_DUTY = actor('duty-441204', ['duty_officer'], '441204');
const NEIGHBOUR_LEADER = actor('leader-441204', ['leader'], '441204');
const OTHER_CITY_DUTY = actor('duty-440100', ['duty_officer'], '440100');
const ADMIN = actor('admin-1', ['admin'], '441203');
/** An admin is a role within a jurisdiction: one of a neighbouring county, or of a code outside the tree, is nobody here. */
const NEIGHBOUR_ADMIN = actor('admin-441224', ['admin'], '441224');
const STRAY_ADMIN = actor('admin-999999', ['admin'], '999999');
const REVIEWER = actor('reviewer-1', ['reviewer'], '441203');
/** A reviewer who also holds a writing role: reviewers never write, whatever else they hold. */
const REVIEWER_DUTY = actor('reviewer-duty-1', ['reviewer', 'duty_officer'], '441203');
const NO_ROLES = actor('nobody-1', [], '441203');
const LIAISON = actor('liaison-1', ['agency_liaison'], '441203');
// People on the scene (responders of the lead county).
const RESPONDER = actor('u-resp', ['responder'], '441203');
const FIRST = actor('u-first', ['responder'], '441203');
const COMMANDER = actor('u-cmdr', ['responder'], '441203');
const DEPUTY = actor('u-dep', ['responder'], '441203');
const SUCCESSOR = actor('u-succ', ['responder'], '441203');
const SUCCESSOR2 = actor('u-succ2', ['responder'], '441200');
/** A responder of a county the incident does not involve. */
const FAR_RESPONDER = actor('u-far', ['responder'], '441225');

const person = (a: Actor, name: string): Person => ({ userId: a.userId, name });
const FIRST_P = person(FIRST, 'Chen Wei');
const COMMANDER_P = person(COMMANDER, 'Li Na');
const DEPUTY_P = person(DEPUTY, 'Wang Fang');
const SUCCESSOR_P = person(SUCCESSOR, 'Huang Min');
const SUCCESSOR2_P = person(SUCCESSOR2, 'Liu Yang');

const NAMES = new Map<Actor, string>([
  [COUNTY_DUTY, 'county duty officer'],
  [COUNTY_LEADER, 'county leader'],
  [CITY_DUTY, 'city duty officer'],
  [CITY_LEADER, 'city leader'],
  [PROVINCE_DUTY, 'province duty officer'],
  [NEIGHBOUR_DUTY, 'neighbour county (441204) duty officer'],
  [NEIGHBOUR_LEADER, 'neighbour county (441204) leader'],
  [OTHER_CITY_DUTY, 'other city (440100) duty officer'],
  [ADMIN, 'admin'],
  [NEIGHBOUR_ADMIN, 'admin of a neighbouring county (441224)'],
  [STRAY_ADMIN, 'admin of a jurisdiction outside the tree (999999)'],
  [REVIEWER, 'reviewer'],
  [REVIEWER_DUTY, 'reviewer who is also a duty officer'],
  [NO_ROLES, 'user without roles'],
  [LIAISON, 'agency liaison'],
  [RESPONDER, 'responder not in command'],
  [FIRST, 'provisional commander'],
  [COMMANDER, 'commander'],
  [DEPUTY, 'deputy'],
  [SUCCESSOR, 'person offered o-1'],
  [SUCCESSOR2, 'person offered o-2'],
  [FAR_RESPONDER, 'responder of an uninvolved county'],
]);
const nameOf = (a: Actor): string => NAMES.get(a) ?? a.userId;
const TREE = new JurisdictionTree(ZHAOQING_JURISDICTIONS);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
/** The fields of a stored incident context that say who sees it. */
const roomsOfContext = (context: Record<string, unknown>): Pick<IncidentContext, 'leadJurisdiction' | 'linkedJurisdictions' | 'supportingJurisdictions'> => ({
  leadJurisdiction: String(context['leadJurisdiction']),
  linkedJurisdictions: strings(context['linkedJurisdictions']),
  supportingJurisdictions: strings(context['supportingJurisdictions']),
});

// ---------------------------------------------------------------------------------------------------
// World and situations
// ---------------------------------------------------------------------------------------------------

const INC = 'inc-1';
const CMD = sceneStreamId(INC);
const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const iso = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

interface World {
  engine: Engine;
  store: InMemoryEventStore;
  /** Sets the clock to a minute after T0. */
  at(minute: number): void;
  send(by: Actor, command: Cmd): Promise<CommandResult>;
}

interface Cmd {
  streamType: 'incident' | 'scene' | 'resourceRequest';
  streamId: string;
  type: string;
  data: Record<string, unknown>;
}

function world(): World {
  const store = new InMemoryEventStore();
  let now = T0;
  let n = 0;
  const engine = createEngine({ store, clock: { now: () => new Date(now) }, ids: { newId: () => `id-${++n}` } });
  return {
    engine,
    store,
    at: (minute) => {
      now = T0 + minute * 60_000;
    },
    send: (by, c) => {
      const envelope: CommandEnvelope = { ...c, actor: by };
      return engine.handle(envelope);
    },
  };
}

const incident = (type: string, data: Record<string, unknown> = {}): Cmd => ({ streamType: 'incident', streamId: INC, type, data });
const command = (type: string, data: Record<string, unknown> = {}): Cmd => ({ streamType: 'scene', streamId: CMD, type, data });
const request = (type: string, data: Record<string, unknown> = {}, streamId = 'rr-1'): Cmd => ({ streamType: 'resourceRequest', streamId, type, data });

const BRIEFING = {
  situation: 'landslide, two vehicles buried',
  objectives: 'recover the buried',
  actions: 'excavation at the north end',
  organisation: 'fire, police, health',
  resources: '2 excavators',
  hazards: 'further slides',
};
const ITEMS = [{ kind: 'tent', quantity: 20, priority: 'urgent', deliverTo: 'Baishi school' }];

type Situation = (w: World) => Promise<void>;

const reported: Situation = async (w) => {
  w.at(1);
  await w.send(COUNTY_DUTY, { ...incident('ReportIncident', { title: 'Landslide on S358', leadJurisdiction: '441203', severity: 'IV' }) });
};
const verifying: Situation = async (w) => {
  await reported(w);
  await w.send(COUNTY_DUTY, incident('BeginVerification'));
};
/** Confirmed at IV and in initial handling, all by the county (以县为主). */
const initialHandling: Situation = async (w) => {
  await verifying(w);
  await w.send(COUNTY_DUTY, incident('ConfirmIncident', { severity: 'IV' }));
  await w.send(COUNTY_DUTY, incident('BeginInitialHandling', { measures: 'road closed' }));
};
/** The county's level IV response is active. */
const responding: Situation = async (w) => {
  await initialHandling(w);
  await w.send(COUNTY_DUTY, incident('ActivateResponse', { level: 'IV', measures: 'county plan' }));
};
/** Reported at II: the city and the province follow, the province is prompted to take the lead. */
const prompted: Situation = async (w) => {
  w.at(1);
  await w.send(COUNTY_DUTY, incident('ReportIncident', { title: 'Chemical plant fire', leadJurisdiction: '441203', severity: 'II' }));
};
/** Neighbouring 441204 supports the county's incident. */
const supported: Situation = async (w) => {
  await reported(w);
  await w.send(COUNTY_DUTY, incident('AddSupportingJurisdiction', { jurisdiction: '441204' }));
};
/** A road accident at IV whose provisional commander reports three dead: level III is suggested. */
const suggested: Situation = async (w) => {
  w.at(1);
  await w.send(COUNTY_DUTY, incident('ReportIncident', { title: 'Coach overturned on G321', leadJurisdiction: '441203', category: 'accident', severity: 'IV' }));
  w.at(2);
  await w.send(FIRST, command('AssumeProvisionalCommand', { commander: FIRST_P }));
  await w.send(FIRST, command('PostSceneReport', { reportId: 'r-1', dead: 3, injured: 5 }));
};
const provisional: Situation = async (w) => {
  await reported(w);
  w.at(2);
  await w.send(FIRST, command('AssumeProvisionalCommand', { commander: FIRST_P }));
};
const commanded: Situation = async (w) => {
  await provisional(w);
  w.at(3);
  await w.send(COUNTY_DUTY, command('AppointCommander', { commander: COMMANDER_P, deputies: [DEPUTY_P] }));
  await w.send(COMMANDER, command('JoinUnifiedCommand', { agency: 'fire', representative: { userId: 'u-fire', name: 'Sun Qiang' } }));
};
/** Two briefed offers: o-1 to SUCCESSOR by the commander (lapses at minute 60), o-2 to SUCCESSOR2 by the room. */
const pending: Situation = async (w) => {
  await commanded(w);
  w.at(4);
  await w.send(COMMANDER, command('OfferTransfer', { offerId: 'o-1', to: SUCCESSOR_P, expiresAt: iso(60) }));
  await w.send(COMMANDER, command('RecordTransferBriefing', { offerId: 'o-1', briefing: BRIEFING }));
  await w.send(COUNTY_DUTY, command('OfferTransfer', { offerId: 'o-2', to: SUCCESSOR2_P }));
  await w.send(COUNTY_DUTY, command('RecordTransferBriefing', { offerId: 'o-2', briefing: BRIEFING }));
};
const pendingLapsed: Situation = async (w) => {
  await pending(w);
  w.at(60);
};
/** o-1 accepted by SUCCESSOR at minute 5, effective at minute 30; the clock stays before it. */
const accepted: Situation = async (w) => {
  await pending(w);
  w.at(5);
  await w.send(SUCCESSOR, command('AcceptTransfer', { offerId: 'o-1', effectiveAt: iso(30) }));
};
const acceptedDue: Situation = async (w) => {
  await accepted(w);
  w.at(30);
};
/** o-1 accepted at once: SUCCESSOR commands, COMMANDER is out (he was never a deputy). */
const handedOver: Situation = async (w) => {
  await pending(w);
  w.at(6);
  await w.send(SUCCESSOR, command('AcceptTransfer', { offerId: 'o-1' }));
};
const deactivated: Situation = async (w) => {
  await commanded(w);
  await w.send(COUNTY_DUTY, command('DeactivateCommand', { reason: 'scene cleared' }));
};
/** rr-1 submitted by the deputy. */
const requested: Situation = async (w) => {
  await commanded(w);
  await w.send(DEPUTY, request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }));
};
const requestedThenDeactivated: Situation = async (w) => {
  await requested(w);
  await w.send(COUNTY_DUTY, command('DeactivateCommand'));
};
const requestedThenDeputyRemoved: Situation = async (w) => {
  await requested(w);
  await w.send(COUNTY_DUTY, command('RemoveDeputy', { userId: DEPUTY.userId }));
};
const approved: Situation = async (w) => {
  await requested(w);
  await w.send(COUNTY_DUTY, request('ApproveResourceRequest'));
};
const dispatched: Situation = async (w) => {
  await approved(w);
  await w.send(COUNTY_DUTY, request('DispatchResources', { depotId: 'depot-dh', orderNumber: 'ZQ-0001' }));
};
const arrived: Situation = async (w) => {
  await dispatched(w);
  await w.send(COUNTY_DUTY, request('ConfirmArrival'));
};

// ---------------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------------

interface Rule {
  what: string;
  situation: Situation;
  command: Cmd | ((by: Actor) => Cmd);
  allow: readonly Actor[];
  deny: readonly Actor[];
}

const RULES: readonly Rule[] = [
  // --- reviewers never write -----------------------------------------------------------------------
  {
    what: 'ReportIncident',
    situation: async () => {},
    command: incident('ReportIncident', { title: 'Smoke seen', leadJurisdiction: '441203' }),
    allow: [COUNTY_DUTY, CITY_LEADER, PROVINCE_DUTY, RESPONDER, LIAISON, ADMIN],
    // 属地管理: into one's own jurisdiction or one below it
    deny: [NEIGHBOUR_DUTY, OTHER_CITY_DUTY, REVIEWER, REVIEWER_DUTY, NO_ROLES, NEIGHBOUR_ADMIN, STRAY_ADMIN],
  },
  // --- incident lifecycle: the lead room; the rooms above only what the upper room's rights list ---
  {
    what: 'BeginVerification of a county incident',
    situation: reported,
    command: incident('BeginVerification'),
    allow: [COUNTY_DUTY, COUNTY_LEADER, ADMIN],
    // 以县为主: the city and the province follow a county incident; they verify it only once they lead it
    deny: [CITY_DUTY, CITY_LEADER, PROVINCE_DUTY, NEIGHBOUR_DUTY, NEIGHBOUR_LEADER, OTHER_CITY_DUTY, RESPONDER, LIAISON, REVIEWER, REVIEWER_DUTY, NO_ROLES, NEIGHBOUR_ADMIN, STRAY_ADMIN],
  },
  {
    what: 'DismissIncident',
    situation: verifying,
    command: incident('DismissIncident', { reason: 'false alarm' }),
    allow: [COUNTY_LEADER],
    deny: [CITY_DUTY, NEIGHBOUR_LEADER, RESPONDER, REVIEWER, NEIGHBOUR_ADMIN, STRAY_ADMIN],
  },
  {
    what: 'ClassifyIncident while a commander is on scene',
    situation: commanded,
    command: incident('ClassifyIncident', { category: 'natural_disaster', severity: 'III' }),
    allow: [COUNTY_DUTY, CITY_LEADER],
    deny: [COMMANDER, DEPUTY, NEIGHBOUR_DUTY],
  },
  {
    what: 'DeclareControlled of a county response',
    situation: responding,
    command: incident('DeclareControlled'),
    allow: [COUNTY_DUTY, COUNTY_LEADER, ADMIN],
    deny: [CITY_DUTY, CITY_LEADER, PROVINCE_DUTY, NEIGHBOUR_DUTY, RESPONDER],
  },
  {
    what: 'UpdateIncidentDetails with a supporting county',
    situation: supported,
    command: incident('UpdateIncidentDetails', { description: 'two lanes blocked' }),
    // supporting rooms as before; the city does not hold UpdateIncidentDetails among the upper room's rights
    allow: [COUNTY_DUTY, NEIGHBOUR_DUTY, NEIGHBOUR_LEADER, ADMIN],
    deny: [CITY_DUTY, PROVINCE_DUTY, RESPONDER, NEIGHBOUR_ADMIN],
  },
  {
    what: 'LinkRoom of a county incident',
    situation: reported,
    command: incident('LinkRoom', { jurisdiction: '441225' }),
    allow: [COUNTY_DUTY, CITY_DUTY, PROVINCE_DUTY],
    deny: [NEIGHBOUR_DUTY, RESPONDER],
  },
  {
    what: 'RemoveSupportingJurisdiction',
    situation: supported,
    command: incident('RemoveSupportingJurisdiction', { jurisdiction: '441204' }),
    allow: [COUNTY_LEADER],
    deny: [CITY_DUTY, NEIGHBOUR_DUTY],
  },
  // --- response levels: the room of the level the plan gives the response, at the lead or above ----
  {
    what: 'ActivateResponse at IV',
    situation: initialHandling,
    command: incident('ActivateResponse', { level: 'IV', measures: 'county plan' }),
    allow: [COUNTY_DUTY, COUNTY_LEADER, ADMIN, CITY_DUTY, PROVINCE_DUTY],
    deny: [NEIGHBOUR_DUTY, RESPONDER, LIAISON, REVIEWER],
  },
  {
    what: 'ActivateResponse at III',
    situation: initialHandling,
    command: incident('ActivateResponse', { level: 'III', measures: 'city plan' }),
    allow: [CITY_DUTY, CITY_LEADER, PROVINCE_DUTY],
    deny: [COUNTY_DUTY, COUNTY_LEADER, ADMIN, NEIGHBOUR_DUTY],
  },
  {
    what: 'ActivateResponse at II',
    situation: initialHandling,
    command: incident('ActivateResponse', { level: 'II', measures: 'provincial plan' }),
    allow: [PROVINCE_DUTY],
    deny: [COUNTY_DUTY, CITY_DUTY, CITY_LEADER],
  },
  {
    what: 'ChangeResponseLevel from IV to III',
    situation: responding,
    command: incident('ChangeResponseLevel', { level: 'III', reason: 'second slide' }),
    allow: [CITY_DUTY, PROVINCE_DUTY],
    deny: [COUNTY_DUTY, COUNTY_LEADER, ADMIN],
  },
  // --- the lead: raised by the lead room, or taken by a room above for itself or a room below it ---
  {
    what: 'RaiseLead to the level above',
    situation: reported,
    command: incident('RaiseLead', { reason: 'three counties affected' }),
    allow: [COUNTY_DUTY, COUNTY_LEADER, CITY_DUTY, CITY_LEADER, PROVINCE_DUTY],
    deny: [ADMIN, NEIGHBOUR_DUTY, RESPONDER, REVIEWER],
  },
  {
    what: 'RaiseLead to the province',
    situation: reported,
    command: incident('RaiseLead', { reason: 'a major incident', to: '440000' }),
    allow: [COUNTY_DUTY, PROVINCE_DUTY],
    deny: [CITY_DUTY, CITY_LEADER, NEIGHBOUR_DUTY],
  },
  {
    what: 'DeclineLead when the province is prompted',
    situation: prompted,
    command: incident('DeclineLead', { reason: 'the city leads; the province follows' }),
    allow: [PROVINCE_DUTY],
    deny: [CITY_DUTY, CITY_LEADER, COUNTY_DUTY, ADMIN, RESPONDER],
  },
  // --- suggested reclassification: sent by the engine, answered by the command room ---------------
  {
    what: 'SuggestSeverity',
    situation: reported,
    command: incident('SuggestSeverity', { severity: 'III', rule: 'accident-iii', source: '493号令', figures: { dead: 3 } }),
    allow: [],
    deny: [COUNTY_DUTY, COUNTY_LEADER, CITY_DUTY, PROVINCE_DUTY, ADMIN, COMMANDER],
  },
  {
    what: 'ConfirmSuggestedSeverity',
    situation: suggested,
    command: incident('ConfirmSuggestedSeverity'),
    allow: [COUNTY_DUTY, CITY_DUTY, PROVINCE_DUTY, ADMIN],
    deny: [FIRST, RESPONDER, NEIGHBOUR_DUTY],
  },
  {
    what: 'DismissSuggestedSeverity',
    situation: suggested,
    command: incident('DismissSuggestedSeverity', { reason: 'two accidents counted as one' }),
    allow: [COUNTY_LEADER, CITY_LEADER],
    deny: [FIRST, RESPONDER],
  },
  // --- appointment: only the lead jurisdiction's own duty officer or leader ------------------------
  {
    what: 'AppointCommander (no command yet)',
    situation: reported,
    command: command('AppointCommander', { commander: COMMANDER_P, deputies: [DEPUTY_P] }),
    allow: [COUNTY_DUTY, COUNTY_LEADER],
    deny: [CITY_DUTY, CITY_LEADER, PROVINCE_DUTY, NEIGHBOUR_DUTY, COMMANDER, RESPONDER, ADMIN, REVIEWER_DUTY],
  },
  {
    what: 'AppointCommander over a provisional commander',
    situation: provisional,
    command: command('AppointCommander', { commander: COMMANDER_P }),
    allow: [COUNTY_LEADER],
    deny: [CITY_LEADER, FIRST],
  },
  {
    what: 'AppointDeputy',
    situation: commanded,
    command: command('AppointDeputy', { deputy: SUCCESSOR_P }),
    allow: [COUNTY_DUTY, COUNTY_LEADER],
    deny: [CITY_DUTY, CITY_LEADER, COMMANDER, DEPUTY, RESPONDER, ADMIN],
  },
  {
    what: 'RemoveDeputy',
    situation: commanded,
    command: command('RemoveDeputy', { userId: DEPUTY.userId }),
    allow: [COUNTY_LEADER],
    deny: [CITY_DUTY, COMMANDER, DEPUTY],
  },
  {
    what: 'DeactivateCommand',
    situation: commanded,
    command: command('DeactivateCommand', { reason: 'scene cleared' }),
    allow: [COUNTY_DUTY],
    deny: [CITY_DUTY, PROVINCE_DUTY, COMMANDER, DEPUTY],
  },
  // --- provisional command: the person taking it, or the lead room recording it --------------------
  {
    what: 'AssumeProvisionalCommand naming oneself',
    situation: reported,
    command: (by) => command('AssumeProvisionalCommand', { commander: { userId: by.userId, name: 'me' } }),
    allow: [RESPONDER, FIRST, LIAISON, COUNTY_DUTY],
    deny: [REVIEWER, REVIEWER_DUTY, FAR_RESPONDER],
  },
  {
    what: 'AssumeProvisionalCommand naming someone else',
    situation: reported,
    command: command('AssumeProvisionalCommand', { commander: FIRST_P }),
    allow: [COUNTY_DUTY, COUNTY_LEADER],
    deny: [RESPONDER, CITY_DUTY, NEIGHBOUR_DUTY],
  },
  // --- transfer of command -------------------------------------------------------------------------
  {
    what: 'OfferTransfer',
    situation: commanded,
    command: command('OfferTransfer', { offerId: 'o-9', to: SUCCESSOR_P }),
    allow: [COMMANDER, COUNTY_DUTY, COUNTY_LEADER],
    deny: [DEPUTY, SUCCESSOR, CITY_DUTY, CITY_LEADER, RESPONDER],
  },
  {
    what: 'RecordTransferBriefing',
    situation: pending,
    command: command('RecordTransferBriefing', { offerId: 'o-1', briefing: { ...BRIEFING, hazards: 'rain tonight' } }),
    allow: [COMMANDER, COUNTY_DUTY],
    deny: [DEPUTY, SUCCESSOR, CITY_DUTY],
  },
  {
    what: 'WithdrawTransfer',
    situation: pending,
    command: command('WithdrawTransfer', { offerId: 'o-1' }),
    allow: [COMMANDER, COUNTY_LEADER],
    deny: [SUCCESSOR, DEPUTY, CITY_LEADER],
  },
  {
    what: 'AcceptTransfer of o-1',
    situation: pending,
    command: command('AcceptTransfer', { offerId: 'o-1' }),
    allow: [SUCCESSOR],
    deny: [SUCCESSOR2, COMMANDER, DEPUTY, COUNTY_DUTY, CITY_DUTY, RESPONDER],
  },
  {
    what: 'DeclineTransfer of o-2',
    situation: pending,
    command: command('DeclineTransfer', { offerId: 'o-2', reason: 'off duty' }),
    allow: [SUCCESSOR2],
    deny: [SUCCESSOR, COMMANDER, COUNTY_DUTY],
  },
  {
    what: 'ExpireTransfer of a lapsed offer',
    situation: pendingLapsed,
    command: command('ExpireTransfer', { offerId: 'o-1' }),
    allow: [COMMANDER, COUNTY_DUTY],
    deny: [DEPUTY, SUCCESSOR, CITY_DUTY, RESPONDER],
  },
  {
    what: 'MakeTransferEffective at the agreed time',
    situation: acceptedDue,
    command: command('MakeTransferEffective'),
    allow: [SUCCESSOR, COMMANDER, COUNTY_LEADER],
    deny: [DEPUTY, SUCCESSOR2, CITY_DUTY, RESPONDER],
  },
  // --- unified command and the command post --------------------------------------------------------
  {
    what: 'JoinUnifiedCommand',
    situation: commanded,
    command: command('JoinUnifiedCommand', { agency: 'police', representative: { userId: 'u-police', name: 'Xu Jing' } }),
    allow: [COMMANDER, DEPUTY, COUNTY_DUTY],
    deny: [CITY_DUTY, RESPONDER, LIAISON],
  },
  {
    what: 'LeaveUnifiedCommand',
    situation: commanded,
    command: command('LeaveUnifiedCommand', { agency: 'fire' }),
    allow: [DEPUTY, COUNTY_LEADER],
    deny: [RESPONDER, CITY_LEADER],
  },
  {
    what: 'EstablishCommandPost',
    situation: commanded,
    command: command('EstablishCommandPost', { location: { description: 'Baishi school yard' } }),
    allow: [COMMANDER, DEPUTY, COUNTY_DUTY],
    deny: [RESPONDER, NEIGHBOUR_DUTY],
  },
  // --- scene reports: only the current commander or a deputy ---------------------------------------
  {
    what: 'PostSceneReport',
    situation: commanded,
    command: command('PostSceneReport', { reportId: 'r-1', dead: 1, injured: 3 }),
    allow: [COMMANDER, DEPUTY],
    deny: [RESPONDER, FIRST, SUCCESSOR, COUNTY_DUTY, CITY_DUTY, ADMIN, LIAISON, REVIEWER],
  },
  {
    what: 'PostSceneReport under provisional command',
    situation: provisional,
    command: command('PostSceneReport', { reportId: 'r-1', trapped: 2 }),
    allow: [FIRST],
    deny: [RESPONDER, COMMANDER],
  },
  {
    what: 'PostSceneReport between acceptance and effective time',
    situation: accepted,
    command: command('PostSceneReport', { reportId: 'r-2', evacuated: 40 }),
    allow: [COMMANDER, DEPUTY],
    deny: [SUCCESSOR],
  },
  {
    what: 'PostSceneReport after an immediate hand-over',
    situation: handedOver,
    command: command('PostSceneReport', { reportId: 'r-3', evacuated: 60 }),
    allow: [SUCCESSOR, DEPUTY],
    deny: [COMMANDER],
  },
  // --- resource requests ---------------------------------------------------------------------------
  {
    what: 'SubmitResourceRequest',
    situation: commanded,
    command: request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }),
    allow: [COMMANDER, DEPUTY],
    deny: [RESPONDER, FIRST, COUNTY_DUTY, CITY_DUTY, LIAISON, ADMIN, REVIEWER],
  },
  {
    what: 'SubmitResourceRequest with nobody in command',
    situation: reported,
    command: request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }),
    allow: [],
    deny: [COMMANDER, RESPONDER, COUNTY_DUTY],
  },
  {
    what: 'SubmitResourceRequest after command was deactivated',
    situation: deactivated,
    command: request('SubmitResourceRequest', { incidentId: INC, items: ITEMS }),
    allow: [],
    deny: [COMMANDER, DEPUTY],
  },
  {
    what: 'ApproveResourceRequest',
    situation: requested,
    command: request('ApproveResourceRequest', { note: 'ok' }),
    allow: [COUNTY_DUTY, COUNTY_LEADER, CITY_DUTY, CITY_LEADER, PROVINCE_DUTY],
    deny: [NEIGHBOUR_DUTY, NEIGHBOUR_LEADER, OTHER_CITY_DUTY, COMMANDER, DEPUTY, RESPONDER, LIAISON, ADMIN, REVIEWER, REVIEWER_DUTY],
  },
  {
    what: 'RejectResourceRequest',
    situation: requested,
    command: request('RejectResourceRequest', { reason: 'covered' }),
    allow: [COUNTY_LEADER, CITY_DUTY],
    deny: [NEIGHBOUR_DUTY, COMMANDER, DEPUTY],
  },
  {
    what: 'ApproveResourceRequest after command was deactivated',
    situation: requestedThenDeactivated,
    command: request('ApproveResourceRequest'),
    allow: [COUNTY_DUTY, CITY_LEADER],
    deny: [COMMANDER],
  },
  {
    what: 'DispatchResources',
    situation: approved,
    command: request('DispatchResources', { depotId: 'depot-dh', orderNumber: 'ZQ-0001' }),
    allow: [COUNTY_DUTY, CITY_LEADER, PROVINCE_DUTY],
    deny: [COMMANDER, DEPUTY, NEIGHBOUR_DUTY, OTHER_CITY_DUTY, ADMIN],
  },
  {
    what: 'MarkEnRoute',
    situation: dispatched,
    command: request('MarkEnRoute', { eta: iso(90) }),
    allow: [CITY_DUTY, COMMANDER, DEPUTY],
    deny: [RESPONDER, NEIGHBOUR_DUTY],
  },
  {
    what: 'ConfirmArrival',
    situation: dispatched,
    command: request('ConfirmArrival'),
    allow: [COUNTY_DUTY, COMMANDER, DEPUTY],
    deny: [RESPONDER, SUCCESSOR],
  },
  {
    what: 'ConfirmArrival after command was deactivated',
    situation: async (w) => {
      await dispatched(w);
      await w.send(COUNTY_DUTY, command('DeactivateCommand'));
    },
    command: request('ConfirmArrival'),
    allow: [COUNTY_DUTY],
    deny: [COMMANDER, DEPUTY],
  },
  {
    what: 'ReleaseResources',
    situation: arrived,
    command: request('ReleaseResources', { returned: [{ kind: 'tent', quantity: 5 }] }),
    allow: [CITY_LEADER, COMMANDER, DEPUTY],
    deny: [RESPONDER, NEIGHBOUR_LEADER],
  },
  {
    what: 'CancelResourceRequest',
    situation: requested,
    command: request('CancelResourceRequest', { reason: 'found locally' }),
    allow: [DEPUTY, COMMANDER, COUNTY_DUTY, CITY_DUTY],
    deny: [RESPONDER, NEIGHBOUR_DUTY, SUCCESSOR],
  },
  {
    what: 'CancelResourceRequest by its requester no longer in command',
    situation: requestedThenDeputyRemoved,
    command: request('CancelResourceRequest', { reason: 'not needed' }),
    allow: [DEPUTY],
    deny: [RESPONDER],
  },
];

const ROWS = RULES.flatMap((rule) => [
  ...rule.allow.map((by) => [`${rule.what}: ${nameOf(by)} may`, rule, by, true] as const),
  ...rule.deny.map((by) => [`${rule.what}: ${nameOf(by)} may not`, rule, by, false] as const),
]);

async function rejection(p: Promise<unknown>): Promise<MusterError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof MusterError) return error;
    throw error;
  }
  throw new Error('expected the command to be refused');
}

describe('who may do what', () => {
  it('the table has no row twice and every rule allows or denies someone', () => {
    const names = ROWS.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of RULES) expect(rule.allow.length + rule.deny.length, rule.what).toBeGreaterThan(0);
  });

  it.each(ROWS)('%s', async (_name, rule, by, allowed) => {
    const w = world();
    await rule.situation(w);
    const c = typeof rule.command === 'function' ? rule.command(by) : rule.command;
    const before = w.store.log.length;
    const version = (await w.engine.tryLoad(c.streamType, c.streamId))?.version ?? 0;
    if (allowed) {
      const result = await w.send(by, c);
      expect(result).toMatchObject({ streamId: c.streamId, streamType: c.streamType });
      expect(result.events.length).toBeGreaterThan(0);
      expect(result.version).toBe(version + result.events.length);
      expect(w.store.log.length).toBeGreaterThan(before);
      expect(w.store.log.at(-1)?.meta.actor).toStrictEqual(by);
    } else {
      const error = await rejection(w.send(by, c));
      // Someone who may not see the incident learns nothing of it, not even that a rule refuses him:
      // for him it does not exist (issue 14). Everyone else gets the rule's 403.
      const incident = (await w.engine.tryLoad('incident', INC))?.state.context;
      if (incident !== undefined && !canSee(TREE, by.jurisdiction, roomsOfContext(incident))) {
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error.code).toBe('not_found');
      } else {
        expect(error).toBeInstanceOf(ForbiddenError);
        expect(error.code).toBe('forbidden');
        expect(error.details).toMatchObject({ command: c.type });
      }
      // a denial stores nothing
      expect(w.store.log.length).toBe(before);
      expect((await w.engine.tryLoad(c.streamType, c.streamId))?.version ?? 0).toBe(version);
    }
  });
});

describe('who may do what: details', () => {
  it('a denial names the rule and the actor', async () => {
    const w = world();
    await commanded(w);
    const error = await rejection(w.send(RESPONDER, command('PostSceneReport', { reportId: 'r-1' })));
    expect(error.message).toBe('PostSceneReport may be sent only by the current commander or a deputy');
    expect(error.details).toStrictEqual({ command: 'PostSceneReport', userId: RESPONDER.userId, roles: ['responder'], jurisdiction: '441203' });
  });

  it('the city room follows a county incident (以县为主): it classifies it, but runs it only once it takes the lead', async () => {
    const w = world();
    await reported(w);
    const refused = await rejection(w.send(CITY_DUTY, incident('BeginVerification')));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/^BeginVerification may be sent only by the lead room; the room above may only send RaiseLead, LinkRoom, UnlinkRoom, AddSupportingJurisdiction, ClassifyIncident, ActivateResponse, ChangeResponseLevel, DismissSuggestedSeverity, ConfirmSuggestedSeverity without taking the lead \(upperRoomRights: unsourced/);
    expect(refused.details).toMatchObject({ rule: 'upperRoomRights', upperRoomCommands: expect.arrayContaining(['RaiseLead']) });
    await w.send(COUNTY_DUTY, incident('BeginVerification'));
    await w.send(COUNTY_DUTY, incident('ConfirmIncident', { severity: 'III' }));
    await w.send(CITY_DUTY, incident('ClassifyIncident', { category: 'accident', severity: 'III' }));
    expect((await rejection(w.send(CITY_DUTY, incident('BeginInitialHandling', { measures: 'x' })))).code).toBe('forbidden');
    const error = await rejection(w.send(CITY_DUTY, command('AppointCommander', { commander: COMMANDER_P })));
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe("AppointCommander may be sent only by the lead jurisdiction's duty officer or leader");
    expect((await w.engine.load('incident', INC)).state.value).toBe('confirmed');
    expect(await w.engine.tryLoad('scene', CMD)).toBeNull();
    // the city takes the lead: from now on it runs the incident, and the county follows it
    await w.send(CITY_DUTY, incident('RaiseLead', { reason: 'spreads across counties' }));
    await w.send(CITY_DUTY, incident('BeginInitialHandling', { measures: 'city plan' }));
    expect((await w.engine.load('incident', INC)).state.value).toBe('initialHandling');
    expect((await rejection(w.send(COUNTY_DUTY, incident('ActivateResponse', { level: 'IV', measures: 'x' })))).code).toBe('forbidden');
  });

  it('a response level above the room is refused with the level and the lowest room allowed', async () => {
    const w = world();
    await initialHandling(w);
    const error = await rejection(w.send(COUNTY_DUTY, incident('ActivateResponse', { level: 'III', measures: 'x' })));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/^ActivateResponse may be sent only by a room of level city or above: response level III \(rule level-iii: /);
    expect(error.details).toMatchObject({ command: 'ActivateResponse', level: 'III', lowestRoom: 'city', rule: 'level-iii' });
    expect((await w.engine.load('incident', INC)).state.value).toBe('initialHandling');
  });

  it('the rules in force decide: a rules file that lets the county activate III lets it', async () => {
    const store = new InMemoryEventStore();
    const own = { jurisdiction: '441203', version: 'test', responseAuthority: [{ id: 'county-iii', levels: ['III' as const, 'IV' as const], lowestRoom: 'county' as const, source: 'test' }] };
    const engine = createEngine({ store, rules: ruleBookOf([own]) });
    const send = (type: string, data: Record<string, unknown> = {}) => engine.handle({ streamType: 'incident', streamId: INC, type, data, actor: COUNTY_DUTY });
    await send('ReportIncident', { title: 'Landslide', leadJurisdiction: '441203', severity: 'IV' });
    await send('BeginVerification');
    await send('ConfirmIncident');
    await send('BeginInitialHandling', { measures: 'road closed' });
    await send('ActivateResponse', { level: 'III', measures: 'county plan at III' });
    expect((await engine.load('incident', INC)).state.context.responseLevel).toBe('III');
    // a file's section replaces the defaults' whole: this one names no rule for II, which then limits nobody
    const store2 = new InMemoryEventStore();
    const other = createEngine({ store: store2, rules: ruleBookOf([own]) });
    const send2 = (type: string, data: Record<string, unknown> = {}) => other.handle({ streamType: 'incident', streamId: INC, type, data, actor: COUNTY_DUTY });
    await send2('ReportIncident', { title: 'Landslide', leadJurisdiction: '441203', severity: 'IV' });
    await send2('BeginVerification');
    await send2('ConfirmIncident');
    await send2('BeginInitialHandling', { measures: 'road closed' });
    await send2('ActivateResponse', { level: 'II', measures: 'x' });
    expect((await other.load('incident', INC)).state.context.responseLevel).toBe('II');
  });

  it('a city-led incident is out of reach of its county rooms (no descendant rights)', async () => {
    const w = world();
    w.at(1);
    await w.send(CITY_DUTY, incident('ReportIncident', { title: 'Chemical leak', leadJurisdiction: '441200' }));
    // The county room does not see a city-led incident at all: to it, the incident does not exist.
    expect((await rejection(w.send(COUNTY_DUTY, incident('BeginVerification')))).code).toBe('not_found');
    expect((await rejection(w.send(COUNTY_DUTY, command('AppointCommander', { commander: COMMANDER_P })))).code).toBe('not_found');
    await w.send(CITY_LEADER, command('AppointCommander', { commander: COMMANDER_P }));
    expect((await w.engine.load('scene', CMD)).state.value).toBe('commanded');
  });

  it('a deputy removed from command loses the right to report', async () => {
    const w = world();
    await commanded(w);
    await w.send(DEPUTY, command('PostSceneReport', { reportId: 'r-1' }));
    await w.send(COUNTY_DUTY, command('RemoveDeputy', { userId: DEPUTY.userId }));
    expect((await rejection(w.send(DEPUTY, command('PostSceneReport', { reportId: 'r-2' })))).code).toBe('forbidden');
  });

  it('the timers service fires ExpireTransfer and MakeTransferEffective (issue 20); the same identity sent by a client is judged as anyone', async () => {
    const timers = timersActor('441200');
    const lapsed = world();
    await pendingLapsed(lapsed);
    // Without the system caller, the city's admin is not the commander, the incoming one or the lead room.
    expect((await rejection(lapsed.send(timers, command('ExpireTransfer', { offerId: 'o-1' })))).code).toBe('forbidden');
    await lapsed.engine.handle({ ...command('ExpireTransfer', { offerId: 'o-1' }), actor: timers, system: 'timers', commandId: 'deadline-1' });
    // o-1 lapsed; the room's o-2 stays open.
    expect((await lapsed.engine.load('scene', CMD)).state.context['offers']).toMatchObject([{ offerId: 'o-2' }]);

    const due = world();
    await acceptedDue(due);
    expect((await rejection(due.send(timers, command('MakeTransferEffective', { offerId: 'o-1' })))).code).toBe('forbidden');
    await due.engine.handle({ ...command('MakeTransferEffective', { offerId: 'o-1' }), actor: timers, system: 'timers', commandId: 'deadline-2' });
    const scene = await due.engine.load('scene', CMD);
    expect(scene.state.value).toBe('commanded');
    expect((scene.state.context as { commander: Person | null }).commander?.userId).toBe(SUCCESSOR.userId);
  });

  it('the incoming commander gains the right to report at the effective time, and the outgoing one loses it', async () => {
    const w = world();
    await accepted(w);
    expect((await rejection(w.send(SUCCESSOR, command('PostSceneReport', { reportId: 'r-1' })))).code).toBe('forbidden');
    w.at(30);
    await w.send(COUNTY_DUTY, command('MakeTransferEffective'));
    await w.send(SUCCESSOR, command('PostSceneReport', { reportId: 'r-2' }));
    expect((await rejection(w.send(COMMANDER, command('PostSceneReport', { reportId: 'r-3' })))).code).toBe('forbidden');
  });
});
