// manifest.yml is valid against Slack's manifest JSON Schema and agrees with the code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';
import { SHORTCUT_CREATE_REQUEST } from '../../src/slack/ids';
import { BOT_SCOPES } from '../../src/slack/scopes';

const MANIFEST_PATH = path.resolve(__dirname, '../../manifest.yml');
// Slack's published manifest schema (MIT, see manifest.schema.LICENSE beside it), kept in the repo.
const SCHEMA_PATH = path.join(__dirname, '../fixtures/slack/manifest.schema.1.0.0.json');

/** The events the app's listeners subscribe to, with the bot scope Slack requires for each. */
const EVENT_SCOPES: Record<string, string | null> = {
  app_mention: 'app_mentions:read',
  'message.im': 'im:history',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  reaction_added: 'reactions:read',
  app_home_opened: null,
  app_uninstalled: null,
  tokens_revoked: null,
  member_joined_channel: 'channels:read',
  member_left_channel: 'channels:read',
  user_change: 'users:read',
  team_join: 'users:read',
};

/** The parts of a manifest these tests read; the schema vouches for the rest. */
interface Manifest {
  display_information: { name: string };
  features: {
    app_home: { messages_tab_enabled?: boolean; messages_tab_read_only_enabled?: boolean };
    slash_commands: { command: string; url?: string; should_escape?: boolean }[];
    shortcuts: { name: string; type: 'message' | 'global'; callback_id: string }[];
  };
  oauth_config: { redirect_urls: string[]; scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled?: boolean;
  };
}

function buildValidator(): ValidateFunction {
  const schema: unknown = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  // The schema declares draft-07 ("$schema": "http://json-schema.org/draft-07/schema#"), which is
  // what the default `ajv` export implements; ajv/dist/2019 and ajv/dist/2020 are for later drafts.
  const ajv = new Ajv({
    allErrors: true,
    // Strict mode stays on (unknown keywords, formats and the like still throw), except the
    // strictTypes check: the schema's third_party_auth providers put `minItems` inside the
    // `items` of a string array, a harmless mistake in Slack's schema that would only log warnings.
    strictTypes: false,
  });
  addFormats(ajv); // the root `$schema` property uses "format": "uri"
  // `_note` is a comment Slack left in the schema; declare it so strict mode accepts it.
  ajv.addVocabulary(['_note']);
  // background_color uses a non-standard `regex` keyword where `pattern` was meant. Rather than
  // ignoring it (strict: false would), enforce it the way Slack does: as a regular expression.
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    compile: (source: string) => {
      const re = new RegExp(source, 'u');
      return (data: string) => re.test(data);
    },
    error: { message: (cxt) => `must match regex "${String(cxt.schema)}"` },
  });
  return ajv.compile(schema as object);
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`).join('\n');
}

const validate = buildValidator();
const raw: unknown = parse(readFileSync(MANIFEST_PATH, 'utf8'));

function validationErrors(candidate: unknown): string {
  return validate(candidate) ? '' : describeErrors(validate.errors);
}

describe('manifest.yml against the Slack manifest schema', () => {
  it('is valid', () => {
    expect(validationErrors(raw)).toBe('');
  });

  // Each breakage names the instance path the schema should complain about, so a test cannot
  // pass because of some unrelated error.
  const breakages: [string, string, (m: Manifest) => void][] = [
    ['a slash command without `command`', '/features/slash_commands/0', (m) => delete (m.features.slash_commands[0] as { command?: string }).command],
    ['a slash command not starting with /', '/features/slash_commands/0/command', (m) => void (m.features.slash_commands[0]!.command = 'help')],
    ['a display name over 35 characters', '/display_information/name', (m) => void (m.display_information.name = 'Ad-hoc Help for every team, every hour')],
    ['a shortcut name over 24 characters', '/features/shortcuts/0/name', (m) => void (m.features.shortcuts[0]!.name = 'Create a new support request')],
    ['an unknown shortcut type', '/features/shortcuts/0/type', (m) => void ((m.features.shortcuts[0] as { type: string }).type = 'channel')],
    ['a background colour that is not hex', '/display_information/background_color', (m) => void ((m.display_information as { background_color?: string }).background_color = 'teal')],
    ['an unknown settings key', '/settings', (m) => void ((m.settings as Record<string, unknown>).socket_mode = true)],
    ['interactivity without is_enabled', '/settings/interactivity', (m) => delete (m.settings.interactivity as { is_enabled?: boolean }).is_enabled],
  ];

  it.each(breakages)('rejects %s', (_label, instancePath, breakIt) => {
    const copy = structuredClone(raw) as Manifest;
    breakIt(copy);
    expect(validate(copy)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain(instancePath);
  });
});

describe('manifest.yml agrees with the code', () => {
  const manifest = raw as Manifest;
  const botScopes = manifest.oauth_config.scopes.bot;

  it('registers the message shortcut under the callback_id the listener uses', () => {
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({ type: 'message', name: 'Create support request', callback_id: SHORTCUT_CREATE_REQUEST }),
    ]);
  });

  it('declares /help, the default of the HELP_COMMAND setting, unescaped', () => {
    const defaults = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-secret',
      MONGODB_URI: 'mongodb://localhost:27017/test',
      REDIS_URL: 'redis://localhost:6379',
      TRIAGE_CHANNEL_ID: 'C0TRIAGE1',
    });
    expect(defaults.slack.helpCommand).toBe('/help');
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([defaults.slack.helpCommand]);
    // Escaped: Slack turns @jane and #acme into <@U…|jane> and <#C…|acme>, which `/help admin`
    // needs to know whom and which channel is meant (see src/domain/slackText.ts).
    expect(manifest.features.slash_commands[0]?.should_escape).toBe(true);
  });

  it('subscribes to exactly the events the app listens to', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(Object.keys(EVENT_SCOPES).sort());
  });

  it.each(Object.entries(EVENT_SCOPES).filter((e): e is [string, string] => e[1] !== null))(
    'asks for the scope that delivers %s (%s)',
    (_event, scope) => {
      expect(botScopes).toContain(scope);
    },
  );

  it('asks for the scopes behind the features the app uses', () => {
    for (const scope of ['commands', 'chat:write', 'im:write', 'reactions:write', 'users:read', 'channels:read', 'groups:read', 'files:write']) {
      expect(botScopes).toContain(scope);
    }
    expect(new Set(botScopes).size).toBe(botScopes.length);
  });

  it('asks for the same bot scopes in OAuth installs as the manifest declares', () => {
    expect([...BOT_SCOPES].sort()).toEqual([...botScopes].sort());
  });

  it('is ready for distribution: an OAuth redirect URL and org-wide installs', () => {
    expect(manifest.oauth_config.redirect_urls).toHaveLength(1);
    expect((manifest.settings as { org_deploy_enabled?: boolean }).org_deploy_enabled).toBe(true);
  });

  it('lets clients DM the app from the Messages tab', () => {
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_read_only_enabled).toBe(false);
  });

  it("points every URL at Bolt's default endpoints on one host", () => {
    const eventUrls = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c) => c.url ?? ''),
    ];
    const all = [...eventUrls, ...manifest.oauth_config.redirect_urls];
    for (const url of eventUrls) expect(new URL(url).pathname).toBe('/slack/events');
    expect(manifest.oauth_config.redirect_urls.map((u) => new URL(u).pathname)).toEqual(['/slack/oauth_redirect']);
    expect(new Set(all.map((u) => new URL(u).origin))).toEqual(new Set(['https://your-app.example.com']));
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });
});
