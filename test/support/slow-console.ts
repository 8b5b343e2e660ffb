import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

interface Frame {
  type: string;
  position?: string;
  resumeFrom?: string;
}

/**
 * A console that reads very slowly: a raw WebSocket client (RFC 6455 by hand, so nothing buffers
 * for it) whose socket reads one chunk a second. The gateway's send buffer for it fills up.
 */
export class SlowConsole {
  closeCode: number | undefined;
  closedByServer = false;
  private data: Buffer = Buffer.alloc(0);
  private readonly ticker: NodeJS.Timeout;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      // One read a second: stop again until the next tick.
      socket.pause();
    });
    socket.on('end', () => (this.closedByServer = true));
    socket.on('close', () => (this.closedByServer = true));
    socket.on('error', () => undefined);
    this.ticker = setInterval(() => socket.resume(), 1000);
  }

  static async open(url: string): Promise<SlowConsole> {
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
    const head = await new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        if (!got.subarray(0, got.indexOf('\r\n')).toString().includes(' 101 ')) reject(new Error(`upgrade refused: ${got.toString()}`));
        else resolve(got.subarray(end + 4));
      };
      socket.on('data', onData);
    });
    const console = new SlowConsole(socket);
    console.data = head;
    return console;
  }

  /** Sends one masked text frame, as a client must. */
  send(text: string): void {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0xfe, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  /** Reads all that is left at full speed, until the server's close frame, and parses every frame. */
  async drain(): Promise<Frame[]> {
    clearInterval(this.ticker);
    this.socket.removeAllListeners('data');
    await new Promise<void>((resolve) => {
      const check = () => {
        const frames = this.parse();
        if (this.closeCode !== undefined) resolve();
        return frames;
      };
      this.socket.on('data', (chunk: Buffer) => {
        this.data = Buffer.concat([this.data, chunk]);
        check();
      });
      this.socket.once('close', () => resolve());
      this.socket.resume();
      check();
    });
    const frames = this.parse();
    this.socket.destroy();
    return frames;
  }

  private parse(): Frame[] {
    const frames: Frame[] = [];
    let b = this.data;
    for (;;) {
      if (b.length < 2) break;
      const opcode = (b[0] ?? 0) & 0x0f;
      let length = (b[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) break;
      const payload = b.subarray(offset, offset + length);
      b = b.subarray(offset + length);
      if (opcode === 0x1) frames.push(JSON.parse(payload.toString('utf8')) as Frame);
      else if (opcode === 0x8) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
    return frames;
  }
}
