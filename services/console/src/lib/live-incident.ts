import { MusterApiError, type IncidentRecord, type MusterHttpClient, type TimelineEntry } from '@muster/client';
import { loadSnapshot, saveSnapshot } from './offline-store';
import { useOffline } from './offline-sync';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp, useLiveFeed } from './session';
import { mergeTimelines, rereadFor, timelineEntryOf, withEntry } from './timeline-merge';

/** What the incident's views show: the record the api puts together, and the timeline. */
export type LiveIncident = IncidentRecord & { timeline: TimelineEntry[] };

/** How long a burst of events is gathered before the record is read again (one read per burst). */
const BURST_MS = 120;

async function wholeTimeline(client: MusterHttpClient, incidentId: string): Promise<TimelineEntry[]> {
  const items: TimelineEntry[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const answer = await client.timeline(incidentId, { limit: 1000, ...(after ? { after } : {}) });
    items.push(...answer.items);
    if (!answer.next) break;
    after = answer.next;
  }
  return items;
}

const readRecord = (client: MusterHttpClient, incidentId: string) => client.call('incidentRecord', { params: { incidentId } });

/**
 * One incident, live: the record and the timeline read once, then kept up from the feed. Each event
 * frame adds its timeline entry at once; a burst of events causes one read of the record (a
 * correction: of the timeline, whose entries it marks). The whole is read again each time the feed
 * is live again, so nothing committed between a read and the subscription is missed.
 */
export function useIncident(incidentId: string) {
  const { client, session } = useApp();
  const userId = session.user.userId;
  const { confirmed, network } = useOffline();
  const [data, setData] = useState<LiveIncident | null>(null);
  /** When the server last confirmed the state shown, while it is the device's copy (no network). */
  const [offlineSince, setOfflineSince] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<{ timer: ReturnType<typeof setTimeout> | undefined; record: boolean; timeline: boolean }>({ timer: undefined, record: false, timeline: false });

  const fail = useCallback((e: unknown) => setError(e instanceof Error ? e.message : String(e)), []);
  const load = useCallback(async () => {
    try {
      const [record, timeline] = await Promise.all([readRecord(client, incidentId), wholeTimeline(client, incidentId)]);
      setData((d) => ({ ...record, timeline: mergeTimelines(timeline, d?.timeline ?? []) }));
      setError(null);
      setOfflineSince(null);
      confirmed();
    } catch (e) {
      // Unreachable (not refused): the last state the server confirmed to this user, marked as such.
      const unreachable = !(e instanceof MusterApiError) || e.status === 0 || e.code === 'unavailable';
      const snapshot = unreachable ? await loadSnapshot(userId, incidentId).catch(() => undefined) : undefined;
      if (snapshot) {
        setData((d) => d ?? { ...snapshot.record, timeline: snapshot.timeline });
        setOfflineSince((since) => since ?? snapshot.confirmedAt);
        setError(null);
      } else fail(e);
    }
  }, [client, incidentId, fail, userId, confirmed]);

  useEffect(() => {
    setData(null);
    void load();
  }, [load]);


  const flush = useCallback(() => {
    const want = pending.current;
    const [record, timeline] = [want.record, want.timeline];
    want.record = false;
    want.timeline = false;
    if (record)
      readRecord(client, incidentId).then((r) => {
        setData((d) => (d ? { ...d, ...r } : d));
        setOfflineSince(null);
      }, fail);
    if (timeline) wholeTimeline(client, incidentId).then((t) => setData((d) => (d ? { ...d, timeline: mergeTimelines(t, d.timeline) } : d)), fail);
  }, [client, incidentId, fail]);

  const connection = useLiveFeed({ incidents: [incidentId] }, (event) => {
    setData((d) => (d ? { ...d, timeline: withEntry(d.timeline, timelineEntryOf(event)) } : d));
    const want = pending.current;
    // A correction's entry is in the timeline already; it is the entry it corrects that changes.
    // Reading the record would not show that, so a burst with only corrections reads the timeline.
    if (rereadFor(event) === 'record') want.record = true;
    else want.timeline = true;
    clearTimeout(want.timer);
    want.timer = setTimeout(flush, BURST_MS);
  });

  // Live again (first connection or after a drop): read the whole, for what passed in between.
  const wasLive = useRef(false);
  useEffect(() => {
    if (connection.state === 'live' && wasLive.current === false) {
      wasLive.current = true;
      void load();
    } else if (connection.state !== 'live') {
      wasLive.current = false;
    }
  }, [connection.state, load]);

  // The last known state, kept on the device for the phone with no network (issue 20): each state the
  // server confirmed (a read, or the live feed's events), never the device's own copy shown offline.
  useEffect(() => {
    if (!data || offlineSince !== null) return;
    const { timeline, ...record } = data;
    void saveSnapshot(userId, incidentId, { record, timeline, confirmedAt: new Date().toISOString() }).catch(() => undefined);
  }, [data, offlineSince, userId, incidentId]);

  // The network is back (the phone's queue reached the server again): read the whole, for what the
  // device's copy did not know. The live feed's socket may have stayed open through the outage.
  const wasOffline = useRef(false);
  useEffect(() => {
    if (network === 'offline') wasOffline.current = true;
    else if (wasOffline.current) {
      wasOffline.current = false;
      void load();
    }
  }, [network, load]);

  useEffect(() => () => clearTimeout(pending.current.timer), []);
  return { data, error, connection, offlineSince, reload: load };
}
