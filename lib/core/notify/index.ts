/** Notifications: which status changes are news, and what they say. Pure. */
export * from './transitions';
export * from './message';
