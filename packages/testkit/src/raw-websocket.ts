import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket client written by hand over a bare TCP socket (RFC 6455), for tests that must control
 * reading byte by byte — a console that stops reading, or reads one chunk a second — where a client
 * library would buffer for them. These are its three pieces: the upgrade, a client frame, and reading
 * the server's frames.
 */

/** Connects to `url` (ws://) and upgrades; the socket, and whatever bytes came after the 101 answer. */
export async function openRawWebSocket(url: string): Promise<{ socket: Socket; rest: Buffer }> {
  const { hostname, port, pathname, search } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const rest = await new Promise<Buffer>((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.includes(' 101 ')) reject(new Error(`upgrade refused: ${status}`));
      else resolve(head.subarray(end + 4));
    };
    socket.on('data', onData);
  });
  return { socket, rest };
}

/** One text frame as a client must send it: masked (RFC 6455 §5.3). Up to 64 KiB of payload. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([header, mask, masked]);
}

interface ServerFrames {
  /** Text frames' payloads, in order. */
  texts: string[];
  /** The code of a close frame among them (1005 when it carried none). */
  closeCode: number | undefined;
  /** The bytes of a frame not complete yet. */
  rest: Buffer;
}

/** The complete (unmasked) server frames at the start of `buffer`. */
export function readServerFrames(buffer: Buffer): ServerFrames {
  const out: ServerFrames = { texts: [], closeCode: undefined, rest: buffer };
  for (;;) {
    const b = out.rest;
    if (b.length < 2) return out;
    const opcode = (b[0] ?? 0) & 0x0f;
    let length = (b[1] ?? 0) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return out;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return out;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    if (b.length < offset + length) return out;
    const payload = b.subarray(offset, offset + length);
    out.rest = b.subarray(offset + length);
    if (opcode === 0x1) out.texts.push(payload.toString('utf8'));
    else if (opcode === 0x8) out.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
  }
}
