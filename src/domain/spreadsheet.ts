// Text bound for a spreadsheet (CSV files we hand to people).

/** A cell a spreadsheet would run as a formula (=, +, -, @, tab or CR first) is kept as text. */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
