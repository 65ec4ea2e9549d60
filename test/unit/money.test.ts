// Money as text and back (src/domain/money.ts): amounts typed in settings become integer minor
// units in each currency's own number of decimals, and minor units become the decimals a CSV, an
// invoice line or a Slack message shows. More cases in domain.test.ts ("money").
import { decimalAmount, formatMoney, minorUnitDigits, toMinorUnits } from '../../src/domain/money';

describe('toMinorUnits', () => {
  it.each([
    // amount, currency → minor units
    ['92.5', 'GBP', 9250], // a missing second decimal is a zero, not a missing pence
    ['92.05', 'GBP', 9205],
    ['0.5', 'GBP', 50],
    [' 92.50 ', 'GBP', 9250], // typed with spaces around
    ['123456789', 'GBP', 12345678900], // nine whole digits is the longest rate
    ['5', 'JOD', 5000],
    ['5.1', 'JOD', 5100],
    ['0.001', 'JOD', 1],
    ['10', 'JPY', 10],
    ['0', 'GBP', 0],
    ['5', 'ZZ', 500], // a code Intl refuses counts two decimals (it is refused where currencies are configured)
    [7.25, 'USD', 725],
  ] as const)('%j %s → %d', (amount, currency, minor) => expect(toMinorUnits(amount, currency)).toBe(minor));

  it.each([
    ['1234567890', 'GBP'], // ten whole digits
    ['1.', 'GBP'],
    ['.5', 'GBP'],
    ['1.2.3', 'GBP'],
    ['+5', 'GBP'],
    ['1e3', 'GBP'],
    ['5 GBP', 'GBP'],
    ['x5', 'GBP'],
    ['1.0001', 'JOD'],
    ['10.0', 'JPY'],
    [1.5, 'JPY'],
  ] as const)('refuses %j %s', (amount, currency) => expect(toMinorUnits(amount, currency)).toBeUndefined());
});

describe('minorUnitDigits', () => {
  it('counts two decimals for a code Intl refuses, and asks again for each currency', () => {
    expect(minorUnitDigits('ZZ')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('ZZ')).toBe(2);
    expect(minorUnitDigits('KWD')).toBe(3);
    expect(minorUnitDigits('JPY')).toBe(0);
  });
});

describe('formatMoney', () => {
  it.each([
    [28500, 'GBP', '£285.00'],
    [-500, 'GBP', '-£5.00'],
    [0, 'GBP', '£0.00'],
    [123456789, 'GBP', '£1,234,567.89'],
    [1000, 'JPY', 'JP¥1,000'],
    [5, 'JOD', 'JOD 0.005'],
    [12340, 'KWD', 'KWD 12.340'],
  ] as const)('%d %s → %s', (minor, currency, text) => expect(formatMoney(minor, currency).replace(/\s/g, ' ')).toBe(text));
});

describe('decimalAmount', () => {
  it.each([
    [28500, 'GBP', '285.00'],
    [5, 'GBP', '0.05'],
    [50, 'GBP', '0.50'],
    [100, 'GBP', '1.00'],
    [0, 'GBP', '0.00'],
    [-5, 'GBP', '-0.05'],
    [-28550, 'GBP', '-285.50'],
    [123456789, 'GBP', '1234567.89'], // no thousands separators: a CSV cell is a number
    [1000, 'JPY', '1000'],
    [-7, 'JPY', '-7'],
    [0, 'JPY', '0'],
    [12345, 'JOD', '12.345'],
    [5, 'JOD', '0.005'],
    [-1050, 'JOD', '-1.050'],
  ] as const)('%d %s → %s', (minor, currency, text) => expect(decimalAmount(minor, currency)).toBe(text));
});
