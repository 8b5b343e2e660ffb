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
/**
 * The columns' ranges: the transaction id is an `xid8` (unsigned 64-bit), the sequence a `bigint`
 * (signed 64-bit). A pair beyond them matches the pattern but PostgreSQL cannot compare with it; it is
 * not a position, and is refused as bad input wherever one is read (a client resuming from it would
 * otherwise be closed as "unavailable" and retry forever).
 */
const MAX_TX = 2n ** 64n - 1n;
const MAX_SEQ = 2n ** 63n - 1n;

function parsed(text: string): LogPosition | undefined {
  const match = POSITION_PATTERN.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const position = { tx: BigInt(match[1]), seq: BigInt(match[2]) };
  return position.tx <= MAX_TX && position.seq <= MAX_SEQ ? position : undefined;
}

export function isPosition(text: string): boolean {
  return parsed(text) !== undefined;
}

export function parsePosition(text: string): LogPosition {
  const position = parsed(text);
  if (!position) throw new RangeError(`not a log position: ${JSON.stringify(text)}`);
  return position;
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
