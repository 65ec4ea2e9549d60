// Which DMs and mentions are only pleasantries (#13): never a support request.
import { pleasantryOf } from '../../src/domain/pleasantry';

describe('pleasantries', () => {
  it.each([
    ['thanks!', 'thanks'],
    ['Thank you so much 🙏', 'thanks'],
    ['thx', 'thanks'],
    ['cheers, team', 'thanks'],
    ['ok 👍', 'acknowledgement'],
    ['OK!', 'acknowledgement'],
    ['👍', 'acknowledgement'],
    ['👍🏽', 'acknowledgement'],
    [':+1: :pray:', 'acknowledgement'],
    ['got it, sounds good', 'acknowledgement'],
    ["it works now, that's great", 'acknowledgement'],
    ['hi', 'greeting'],
    ['Hello there :wave:', 'greeting'],
    ['good morning!', 'greeting'],
    ["hey, how's it going?", 'greeting'],
    ['hi, thanks!', 'greeting'],
    ['perfect, thank you for the help', 'thanks'],
  ] as const)('%j is a pleasantry (%s)', (text, kind) => {
    expect(pleasantryOf(text)).toBe(kind);
  });

  it.each([
    'the site is down',
    'hi, the checkout page returns 500',
    'thanks, but it is still broken',
    'ok so the printer queue is stuck again',
    'list of users is broken',
    'help',
    'not working',
    'hello? anyone? the VPN has been down since 9',
    'thanks thanks thanks thanks thanks thanks thanks thanks thanks thanks thanks',
    '',
    '   ',
    '@channel',
    '@U0MANAGER',
    '!!',
    '\ufffd',
  ])('%j is not', (text) => {
    expect(pleasantryOf(text)).toBeUndefined();
  });
});
