import type { MessageLog, MessageRecord } from '../memory/message-log.js';
import { HISTORY_MESSAGES } from './chat-prompt.js';

/** Sessions whose last messages are kept; a desktop user has a handful open at most. */
const MAX_SESSIONS = 32;

/**
 * The last few messages of recent sessions, for the reply's prompt. A turn
 * reads them before its first token, and the message log gains a LanceDB
 * fragment per message, so reading it every turn would grow slower with the
 * conversation; the log is read once per session and kept up to date here.
 */
export class RecentMessages {
  private readonly sessions = new Map<string, MessageRecord[]>();

  constructor(private readonly log: MessageLog) {}

  async get(sessionId: string): Promise<readonly MessageRecord[]> {
    let recent = this.sessions.get(sessionId);
    if (!recent) {
      recent = (await this.log.session(sessionId)).slice(-HISTORY_MESSAGES);
      this.sessions.set(sessionId, recent);
    }
    this.touch(sessionId, recent);
    return [...recent];
  }

  /** Records a message just appended to the log. */
  add(message: MessageRecord): void {
    const recent = this.sessions.get(message.session_id);
    if (!recent) return; // read from the log when the session is next used
    recent.push(message);
    recent.splice(0, Math.max(0, recent.length - HISTORY_MESSAGES));
  }

  /** Most recently used last, so the first session in the map is the one to forget. */
  private touch(sessionId: string, recent: MessageRecord[]): void {
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, recent);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}
