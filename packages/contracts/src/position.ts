/**
 * A position in the global log. Sequence numbers are assigned at insert but transactions commit out
 * of order, so the log is read in (transaction id, sequence) order below the snapshot horizon
 * (DESIGN §3 guarantee 3). A position is that pair, written `"<txid>.<seq>"` so it fits in JSON,
 * a NATS header and a URL. `"0.0"` is before everything.
 */
export interface LogPosition {
  tx: bigint;
  seq: bigint;
}

export const START_POSITION = '0.0';
const POSITION_PATTERN = /^(0|[1-9]\d{0,19})\.(0|[1-9]\d{0,19})$/;

export function isPosition(text: string): boolean {
  return POSITION_PATTERN.test(text);
}

export function parsePosition(text: string): LogPosition {
  const match = POSITION_PATTERN.exec(text);
  if (!match?.[1] || !match[2]) throw new RangeError(`not a log position: ${JSON.stringify(text)}`);
  return { tx: BigInt(match[1]), seq: BigInt(match[2]) };
}

export function formatPosition(position: LogPosition): string {
  return `${position.tx}.${position.seq}`;
}

/** Negative when a is before b, zero when equal, positive after. */
export function comparePositions(a: string, b: string): number {
  const pa = parsePosition(a);
  const pb = parsePosition(b);
  if (pa.tx !== pb.tx) return pa.tx < pb.tx ? -1 : 1;
  if (pa.seq !== pb.seq) return pa.seq < pb.seq ? -1 : 1;
  return 0;
}
