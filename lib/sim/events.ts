/**
 * The event broker behind `/v1/event/stream`: a bounded buffer of frames (`{Index, Events}`) and live
 * subscribers, each with its topic filters (`Topic:Key`, `*` wildcards) and namespace.
 */
import type { NomadEvent } from '../core/nomad/types';

/** A subscriber's filter: topic → keys (`*` = all), and a namespace (`*` = all). */
export interface EventFilter {
  topics: Map<string, Set<string>>;
  namespace: string;
}

/** A frame as written on the wire. */
export interface Frame {
  Index: number;
  Events: NomadEvent[];
}

type Listener = (frame: Frame) => void;

/** Parses repeated `topic=Topic:Key` params; throws `Invalid topic query: ...` text on a malformed one. */
export function parseTopics(values: string[]): Map<string, Set<string>> {
  const topics = new Map<string, Set<string>>();
  if (values.length === 0) {
    topics.set('*', new Set(['*']));
    return topics;
  }
  for (const v of values) {
    const [topic, key = '*', ...rest] = v.split(':');
    if (!topic || rest.length) throw new Error(`Invalid topic query: topic "${v}" is not in the form Topic:Key`);
    const set = topics.get(topic) ?? new Set<string>();
    set.add(key || '*');
    topics.set(topic, set);
  }
  return topics;
}

/** Keeps the last `capacity` frames and fans new ones out to subscribers. */
export class EventBroker {
  private buffer: Frame[] = [];
  private listeners = new Set<Listener>();

  constructor(private readonly capacity = 2000) {}

  /** Publishes the events of one raft index as one frame. */
  publish(index: number, events: NomadEvent[]): void {
    if (events.length === 0) return;
    const frame: Frame = { Index: index, Events: events };
    this.buffer.push(frame);
    if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
    for (const l of this.listeners) l(frame);
  }

  /** Frames with `Index >= from` still buffered. */
  since(from: number): Frame[] {
    return this.buffer.filter((f) => f.Index >= from);
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The part of `frame` that `filter` lets through, or undefined when nothing does. */
export function filterFrame(frame: Frame, filter: EventFilter): Frame | undefined {
  const events = frame.Events.filter((e) => {
    if (filter.namespace !== '*' && e.Namespace !== '' && e.Namespace !== filter.namespace) return false;
    const keys = filter.topics.get(e.Topic) ?? filter.topics.get('*');
    if (!keys) return false;
    if (keys.has('*')) return true;
    if (keys.has(e.Key)) return true;
    return (e.FilterKeys ?? []).some((k) => keys.has(k));
  });
  return events.length ? { Index: frame.Index, Events: events } : undefined;
}
