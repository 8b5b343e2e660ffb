import type { NatsEventBus } from './nats-event-bus';

/**
 * `/health/ready`'s check of the bus (a ReadinessProbe of @muster/service-runtime, by shape): NATS
 * answers a round trip (PING/PONG) on the bus's connection; not ready before the bus is connected.
 */
export function natsProbe(bus: () => NatsEventBus | null): { name: string; check(): Promise<{ ok: boolean; detail: string }> } {
  return {
    name: 'nats',
    async check() {
      const current = bus();
      if (!current) return { ok: false, detail: 'not connected to NATS yet' };
      if (current.connection.isClosed()) return { ok: false, detail: 'the connection to NATS is closed' };
      await current.connection.flush();
      return { ok: true, detail: `connected to ${current.connection.getServer()}` };
    },
  };
}
