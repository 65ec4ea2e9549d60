// The `help` sub-command's answer.

export function usageText(command: string): string {
  return [
    `*Ad-hoc Help* — support that shows up before you even finish yelling "Help!"`,
    `• \`${command} <what is wrong>\` opens a request straight away`,
    `• \`${command}\` on its own opens a form with category and priority`,
    `• \`${command} list\` shows your open requests`,
    `• \`${command} ACME-42\` shows one request`,
    `• \`${command} estimate ACME-42 3h [assumptions]\` posts an estimate for the client to approve (ranges: \`2-4h\`; a top-up: \`+2h\`); \`${command} estimate ACME-42\` alone shows what similar past requests took`,
    `• \`${command} log 1h30m ACME-42 [note]\` logs billable time (\`log 1h ACME-42 non-billable …\` for time the client is not charged)`,
    `• \`${command} billing [ACME] [2026-11]\` shows a client's billing summary with its CSV (managers and the client's approvers)`,
    `• \`${command} digest\` shows the last seven days' numbers (managers)`,
    `• \`${command} merge ACME-7 ACME-5\` merges the duplicate ACME-7 into ACME-5 (engineers and managers; also *Merge…* on the triage message)`,
    `• \`${command} link ACME-42 <url>\` links a GitHub, GitLab, Linear or Jira pull request or issue to a request (pasting it in the request's thread does too)`,
    `• \`${command} help\` shows this message`,
    `You can also mention the app, send it a DM, or react with the support emoji on a message. A mention inside a request's thread adds to that request.`,
    `Only the client's people (their own Slack organisation, guests, or those named in the client's settings) approve, confirm, rate and see billing; our colleagues in the channel read and comment.`,
  ].join('\n');
}
