import { AsyncResource } from 'node:async_hooks';

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

/**
 * Items handed in by concurrent requests during one turn of the event loop, taken in one call on the
 * next turn: on a networked store, one round trip for what would otherwise be one each. `run` gets the
 * items in the order they came and answers each, in that order. With `oneAtATime`, items that come while
 * a call is under way wait for it and go together in the next (a write that must follow the one before);
 * otherwise each turn's items go at once. A lone item waits one turn of the loop, never a timer. A call
 * that fails fails every item it held, and only those.
 */
export class TurnBatch<I, O> {
  private waiting: Array<Waiting<I, O>> = [];
  private running = false;
  private scheduled = false;
  // One call serves many requests: bound here, it runs outside the context of whichever one came first.
  private readonly nextTurn = AsyncResource.bind((run: () => void) => void setImmediate(run));

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly oneAtATime: boolean,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || (this.oneAtATime && this.running)) return;
    this.scheduled = true;
    this.nextTurn(() => void this.take());
  }

  private async take(): Promise<void> {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    this.running = true;
    try {
      const answers = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(answers[i] as O));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.running = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }
}
