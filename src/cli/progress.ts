// A one-line progress indicator on stderr, only when a person is watching.

const EVERY_MS = 200;

export class Progress {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    wanted: boolean,
  ) {
    this.enabled = wanted && stream.isTTY === true;
  }

  update(file: string, line: number): void {
    this.show(() => {
      const secs = (Date.now() - this.started) / 1000;
      const rate = secs > 0 ? Math.round(line / secs) : 0;
      return `${file}: line ${line} (${rate} lines/s)`;
    });
  }

  /** The line `text()` makes, at most every 200 ms (it is only made then). */
  show(text: () => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < EVERY_MS) return;
    this.last = now;
    this.stream.write(`\r\x1b[K${text()}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
