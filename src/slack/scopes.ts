// The bot scopes the app asks for when a workspace installs it through OAuth. Must equal
// `oauth_config.scopes.bot` in manifest.yml (test/unit/manifest.test.ts checks it).
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'app_mentions:read',
  'im:history',
  'im:read',
  'im:write',
  'reactions:read',
  'reactions:write',
  'users:read',
  'channels:read',
  'groups:read',
  'channels:history',
  'groups:history',
  'files:write',
] as const;
