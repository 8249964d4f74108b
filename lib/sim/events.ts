/**
 * The event broker behind `/v1/event/stream`: a bounded buffer of frames (`{Index, Events}`) and live
 * subscribers, each with its topic filters (`Topic:Key`, `*` wildcards) and namespace.
 */
import type { NomadEvent } from '../core/nomad/types';

/**
 * A subscriber's filter: topic → keys as requested (`*` topic and key = all), and the namespaces resolved
 * when it subscribed (for `namespace=*`, the namespaces existing then).
 */
export interface EventFilter {
  topics: Map<string, string[]>;
  namespaces: string[];
}

/** A frame as written on the wire. */
export interface Frame {
  Index: number;
  Events: NomadEvent[];
}

type Listener = (frame: Frame) => void;

/**
 * Parses repeated `topic=Topic:Key` params as command/agent/event_endpoint.go `parseEventTopics` does: a bare
 * topic means every key, no topic means every topic; more than one `:` throws the text the route answers
 * after `Invalid topic query: `.
 */
export function parseTopics(values: string[]): Map<string, string[]> {
  const topics = new Map<string, string[]>();
  if (values.length === 0) {
    topics.set('*', ['*']);
    return topics;
  }
  for (const v of values) {
    const parts = v.split(':');
    if (parts.length > 2) throw new Error(`error parsing topics: Invalid key value pair for topic, topic: ${v}`);
    const [topic, key = '*'] = parts;
    topics.set(topic, [...(topics.get(topic) ?? []), key]);
  }
  return topics;
}

/**
 * Keeps the last `capacity` frames (Nomad's `event_buffer_size`, default 100) and fans new ones out to
 * subscribers.
 */
export class EventBroker {
  private buffer: Frame[] = [];
  private listeners = new Set<Listener>();

  constructor(private readonly capacity = 100) {}

  /** Publishes the events of one raft index as one frame. */
  publish(index: number, events: NomadEvent[]): void {
    if (events.length === 0) return;
    const frame: Frame = { Index: index, Events: events };
    this.buffer.push(frame);
    if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
    for (const l of this.listeners) l(frame);
  }

  /**
   * The buffered frames a subscription starting at `from` receives first (nomad/stream/event_broker.go
   * `Subscribe`, event_buffer.go `StartAtClosest`): `0` means the whole buffer; otherwise from the first
   * frame with `Index >= from` (the oldest one when `from` is no longer buffered); when `from` is past the
   * newest frame, that newest frame again.
   */
  since(from: number): Frame[] {
    if (from === 0) return [...this.buffer];
    const i = this.buffer.findIndex((f) => f.Index >= from);
    return i >= 0 ? this.buffer.slice(i) : this.buffer.slice(-1);
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * The part of `frame` that `filter` lets through, or undefined when nothing does, as nomad/stream/
 * subscription.go `filter` has it: events outside the subscription's namespaces are dropped; a lone `*`
 * key (of the `*` topic, or of the event's topic with no `*` topic) takes every event of the topic;
 * otherwise each requested key the event's `Key` or `FilterKeys` equals adds the event once more (a `*`
 * among other keys matches nothing, and overlapping keys repeat the event).
 */
export function filterFrame(frame: Frame, filter: EventFilter): Frame | undefined {
  const events: NomadEvent[] = [];
  const any = filter.topics.get('*') ?? [];
  for (const e of frame.Events) {
    if (e.Namespace !== '' && !filter.namespaces.includes(e.Namespace)) continue;
    if (any.length === 1 && any[0] === '*') {
      events.push(e);
      continue;
    }
    const keys = [...any, ...(filter.topics.get(e.Topic) ?? [])];
    if (keys.length === 1 && keys[0] === '*') {
      events.push(e);
      continue;
    }
    for (const key of keys) if (e.Key === key || (e.FilterKeys ?? []).includes(key)) events.push(e);
  }
  return events.length ? { Index: frame.Index, Events: events } : undefined;
}
