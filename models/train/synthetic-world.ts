/**
 * A small synthetic world of people and attributes for the tasks whose right
 * answer is known by construction: each attribute has statement templates,
 * paraphrases, revisions (a new value, with a change cue), retractions
 * (negations) and a question.
 */
export interface Attribute {
  name: string;
  values: readonly string[];
  /** The plain statement: `{n}` is the person, `{v}` the value. */
  statement: string;
  paraphrases: readonly string[];
  revisions: readonly string[];
  retractions: readonly string[];
  question: string;
}

export const ATTRIBUTES: readonly Attribute[] = [
  {
    name: 'pet',
    values: ['dog', 'cat', 'parrot', 'hamster', 'rabbit', 'turtle', 'goldfish'],
    statement: '{n} has a pet {v}.',
    paraphrases: ['{n} owns a {v}.', '{n} keeps a {v} as a pet.'],
    revisions: ['{n} now has a {v} instead.', '{n} recently got a {v} as a new pet.'],
    retractions: ['{n} does not have a {v} anymore.', '{n} no longer owns a {v}.'],
    question: 'What pet does {n} have?',
  },
  {
    name: 'city',
    values: ['Paris', 'Berlin', 'Tokyo', 'Lisbon', 'Toronto', 'Nairobi', 'Sydney'],
    statement: '{n} lives in {v}.',
    paraphrases: ['{n} resides in {v}.', "{n}'s home is in {v}."],
    revisions: ['{n} moved to {v}.', '{n} now lives in {v}.'],
    retractions: ['{n} no longer lives in {v}.', '{n} does not live in {v} anymore.'],
    question: 'Where does {n} live?',
  },
  {
    name: 'job',
    values: ['nurse', 'teacher', 'engineer', 'chef', 'lawyer', 'pilot', 'carpenter'],
    statement: '{n} works as a {v}.',
    paraphrases: ['{n} is employed as a {v}.', '{n} has a job as a {v}.'],
    revisions: ['{n} now works as a {v}.', '{n} changed careers and became a {v}.'],
    retractions: ['{n} is not a {v} anymore.', '{n} no longer works as a {v}.'],
    question: "What is {n}'s job?",
  },
  {
    name: 'hobby',
    values: ['painting', 'hiking', 'chess', 'surfing', 'pottery', 'knitting', 'photography'],
    statement: '{n} enjoys {v}.',
    paraphrases: ['{n} likes {v}.', '{n} loves doing {v} in free time.'],
    revisions: ['{n} switched hobbies and now enjoys {v}.', '{n} now spends free time on {v} instead.'],
    retractions: ['{n} does not enjoy {v} anymore.', '{n} stopped doing {v}.'],
    question: 'What does {n} enjoy doing?',
  },
  {
    name: 'food',
    values: ['sushi', 'pizza', 'tacos', 'curry', 'pasta', 'ramen', 'salad'],
    statement: "{n}'s favorite food is {v}.",
    paraphrases: ['{n} likes {v} more than any other food.', '{n} says {v} is the best food.'],
    revisions: ["{n}'s favorite food is now {v}.", '{n} now prefers {v} over everything else.'],
    retractions: ['{n} does not like {v} anymore.', '{n} no longer eats {v}.'],
    question: "What is {n}'s favorite food?",
  },
];

/** Training and held-out people never overlap, so held-out scores measure generalisation. */
export const TRAIN_PEOPLE = ['Alice', 'Bruno', 'Chloe', 'Dmitri', 'Elena', 'Farah', 'Gustav', 'Hana', 'Ivan', 'Julia', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tara'];
export const HELD_OUT_PEOPLE = ['Umar', 'Vera', 'Wes', 'Xenia', 'Yusuf', 'Zoe', 'Amara', 'Boris', 'Carmen', 'Dario'];

export function fill(template: string, person: string, value = ''): string {
  return template.replaceAll('{n}', person).replaceAll('{v}', value);
}

export function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}
