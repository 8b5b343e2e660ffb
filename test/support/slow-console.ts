import type { Socket } from 'node:net';
import { maskedTextFrame, openRawWebSocket, readServerFrames } from '@muster/testkit';

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
    const { socket, rest } = await openRawWebSocket(url);
    const console = new SlowConsole(socket);
    console.data = rest;
    return console;
  }

  /** Sends one masked text frame, as a client must. */
  send(text: string): void {
    this.socket.write(maskedTextFrame(text));
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
    const read = readServerFrames(this.data);
    if (read.closeCode !== undefined) this.closeCode = read.closeCode;
    return read.texts.map((text) => JSON.parse(text) as Frame);
  }
}
