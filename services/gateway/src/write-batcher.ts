/** The part of a `net.Socket` (any Writable) the batcher uses. */
export interface Corkable {
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}

/**
 * Coalesces what is written to each connection during one turn of the event loop into one write.
 *
 * `ws` writes a frame as its own `writev` system call (header and payload, corked only around that
 * frame). A burst of events from the bus reaches the gateway in one turn, so a console subscribed
 * to it would cost one system call per event; profiling the fan-out (issue 9) showed those calls as
 * half of the gateway's time. Holding the socket corked until the turn ends (`setImmediate`, the
 * check phase right after the I/O callbacks that delivered the events) sends the same bytes in the
 * same order with one call per console per turn, and adds no timer delay.
 *
 * Backpressure is unchanged: before it compares a socket's buffered amount with its bound, the
 * session releases what the batcher holds for it, so only bytes the connection could not take count
 * and a console is never closed as slow for a burst it would have read.
 */
export class WriteBatcher {
  private held = new Set<Corkable>();
  private scheduled = false;

  /** Corks `stream` until the end of this turn, once per turn however many frames follow. */
  hold(stream: Corkable): void {
    if (this.held.has(stream) || stream.destroyed || stream.writableEnded) return;
    stream.cork();
    this.held.add(stream);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Writes out what `stream` holds now, before the turn ends. The session calls it before judging a
   * console slow: bytes held here are not bytes the console failed to read, and a burst within one
   * turn must not close a console that keeps up (only what the connection refuses counts).
   */
  release(stream: Corkable): void {
    if (this.held.delete(stream)) stream.uncork();
  }

  /** Writes out everything held; runs by itself at the end of the turn. */
  flush(): void {
    this.scheduled = false;
    const held = this.held;
    this.held = new Set();
    // A stream ended or destroyed meanwhile has already dropped or flushed its buffer; uncork is then a no-op.
    for (const stream of held) stream.uncork();
  }

  /** Streams corked now (for tests and stats). */
  get holding(): number {
    return this.held.size;
  }
}
