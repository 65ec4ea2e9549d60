// The `help` sub-command's answer.

export function usageText(command: string): string {
  return [
    `*Ad-hoc Help* — support that shows up before you even finish yelling "Help!"`,
    `• \`${command} <what is wrong>\` opens a request straight away`,
    `• \`${command}\` on its own opens a form with category and priority`,
    `• \`${command} list\` shows your open requests`,
    `• \`${command} ACME-42\` shows one request`,
    `• \`${command} help\` shows this message`,
    `You can also mention the app, send it a DM, or react with the support emoji on a message.`,
  ].join('\n');
}
