/**
 * YAML that attacks the reader rather than the verdict: an alias bomb
 * ("billion laughs"), a self-referencing alias, nesting past the stack,
 * typed values from a %YAML 1.1 directive. Each was a stack trace (or
 * worse); each is now refused, exit 2, naming the file and the field.
 */
import { after, before, describe, it } from 'node:test';
import { assertRefused, edit, strait, tally } from './helpers.js';

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded. */
const BOMB =
  'x-bomb:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' +
  'abcdefgh'
    .split('')
    .slice(1)
    .map((k, i) => {
      const prev = 'abcdefgh'[i];
      return `  ${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    })
    .join('') +
  `  i: &i [${Array(9).fill('*h').join(',')}]\n`;

describe('YAML that attacks the reader', () => {
  let c: Awaited<ReturnType<typeof strait>>;
  before(async () => {
    c = await strait('yaml');
  });
  after(() => c.done());

  it('an alias bomb in case.yaml is refused at the field of its first alias (it was a stack trace)', () => {
    const d = c.copy('bomb');
    edit(d, 'case.yaml', /^description:/m, `${BOMB}description:`);
    const where = /case\.yaml:\d+: x-bomb\.b\[0\]: its aliases expand to too many nodes/;
    assertRefused(tally(['case', 'check', d], 20_000), where);
    assertRefused(tally(['verify', d, '-q'], 20_000), where, d);
  });

  it('an alias inside the node it names (a cycle) is refused', () => {
    const d = c.copy('cycle');
    edit(d, 'case.yaml', /^description:/m, 'description: &d [*d]\nx:');
    assertRefused(
      tally(['case', 'check', d], 20_000),
      /case\.yaml:\d+: description\[0\]: an alias refers to a node that contains it/,
    );
  });

  it('nesting ten thousand deep is refused, not a stack overflow', () => {
    const d = c.copy('deep');
    edit(d, 'case.yaml', /^description:.*$/m, `description: ${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    assertRefused(tally(['case', 'check', d], 20_000), /case\.yaml(:\d+)?: .*nested too deeply/);
  });

  it('a %YAML 1.1 timestamp or binary is refused as a typed value', () => {
    const d = c.copy('yaml11');
    edit(d, 'case.yaml', /^format:/m, '%YAML 1.1\n---\nformat:');
    edit(d, 'case.yaml', /^description:.*$/m, 'description: !!binary aGVsbG8=');
    assertRefused(tally(['case', 'check', d], 20_000), /case\.yaml:\d+: description: must be plain data/);
  });
});
