// Task events back to containerd: Events.Forward on containerd's ttrpc socket (TTRPC_ADDRESS,
// which containerd sets for its shims), one at a time and in the order they were published,
// because containerd and its clients depend on that order (create, start, exit, delete; exec-added,
// exec-started, exit). A failed send is retried a few times, then dropped with a log line, as the
// runc shim does: an event must never block the task it reports on.
import { create, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';

import { EnvelopeSchema, ForwardRequestSchema } from '../generated/shim/containerd/events/ttrpc-events_pb';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { TtrpcClient } from './ttrpc';

const RETRIES = 5;

export class Publisher {
  private readonly client: TtrpcClient | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(address: string | undefined, private readonly namespace: string, private readonly log: (msg: string) => void) {
    this.client = address ? new TtrpcClient(address.replace(/^unix:\/\//, '')) : undefined;
  }

  /** Queues `event` (type `schema`) under `topic` ("/tasks/exit"); resolves once it was sent or dropped. */
  publish<D extends DescMessage>(topic: string, schema: D, event: MessageShape<D>): Promise<void> {
    // Timestamped now, not when its turn comes.
    const envelope = create(EnvelopeSchema, {
      timestamp: timestampNow(),
      namespace: this.namespace,
      topic,
      // containerd's typeurl names a proto message by its full name, without a host prefix.
      event: { typeUrl: schema.typeName, value: toBinary(schema, event) },
    });
    this.queue = this.queue.then(() => this.send(topic, envelope));
    return this.queue;
  }

  private async send(topic: string, envelope: MessageShape<typeof EnvelopeSchema>): Promise<void> {
    if (!this.client) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.call('containerd.services.events.ttrpc.v1.Events', 'Forward', ForwardRequestSchema, EmptySchema, create(ForwardRequestSchema, { envelope }), 5000);
        return;
      } catch (e) {
        if (attempt >= RETRIES) {
          this.log(`event ${topic} dropped: ${(e as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }

  /** Resolves once every event published so far is sent (or dropped). */
  flush(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.client?.close();
  }
}
