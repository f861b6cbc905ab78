import type { LocomoTurn } from './types.js';

/**
 * A turn as one line of text for retrieval or a prompt: what was written,
 * then the caption of any shared image, since questions ask about the photos
 * ("what was in the painting she showed?").
 */
export function turnText(turn: LocomoTurn): string {
  const caption = turn.image?.caption;
  return caption ? `${turn.text} [shares an image: ${caption}]` : turn.text;
}
