/**
 * LoCoMo as the project uses it: the raw file's shape (see `raw-schema.ts`)
 * turned into turns, observations and questions with canonical dia_ids
 * (`D<session>:<k>`) and ISO times.
 */

/** 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, 5 adversarial (see `categories.ts`). */
export type LocomoCategory = 1 | 2 | 3 | 4 | 5;

/** What LoCoMo keeps of an image a speaker shared (the image URL itself is not kept: many are dead or inline base64). */
export interface LocomoImage {
  /** BLIP's caption of the image: the only view of it a text model gets. */
  caption?: string;
  /** The search query the dataset's authors used to find the image. */
  query?: string;
}

export interface LocomoTurn {
  /** Canonical `D<session>:<k>`. */
  dia_id: string;
  speaker: string;
  /** What the speaker wrote; an image's caption is in `image`, not here (`turnText` joins them). */
  text: string;
  session: number;
  /** The session's time as ISO 8601 UTC, or null when `sessionTime` is not in LoCoMo's format. */
  time: string | null;
  /** The session's time as the file writes it, e.g. "1:56 pm on 8 May, 2023". */
  sessionTime: string;
  image?: LocomoImage;
}

export interface LocomoSession {
  /** N of `session_N`. */
  index: number;
  /** ISO 8601 UTC, or null when `rawTime` is not in LoCoMo's format. */
  time: string | null;
  rawTime: string;
  turns: LocomoTurn[];
}

/** One of LoCoMo's generated `observation` facts about a speaker, with the turns it came from. */
export interface LocomoObservation {
  text: string;
  /** The speaker the fact is about. */
  subject: string;
  session: number;
  /** The session's time (ISO 8601 UTC) or null. */
  time: string | null;
  /** Canonical dia_ids. */
  sources: string[];
}

export interface LocomoQuestion {
  /** `<sample_id>#<index in the sample's qa list>`, stable across runs. */
  id: string;
  question: string;
  /** Always a string (a few answers are numbers in the file); see `LOCOMO_UNANSWERABLE` for category 5. */
  answer: string;
  category: LocomoCategory;
  /**
   * Canonical dia_ids, without duplicates. Kept as the file gives them: a few
   * name turns that do not exist, and a few questions have none.
   */
  evidence: string[];
  /** Category 5: the tempting wrong answer. */
  adversarialAnswer?: string;
}

export interface LocomoConversation {
  sampleId: string;
  /** `speaker_a`, `speaker_b`. */
  speakers: [string, string];
  /** In session order. */
  sessions: LocomoSession[];
  /** Every session's turns, in order. */
  turns: LocomoTurn[];
  observations: LocomoObservation[];
  questions: LocomoQuestion[];
}
