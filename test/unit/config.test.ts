import { ConfigError, loadConfig } from '../../src/config';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-2',
  SLACK_SIGNING_SECRET: 'secret',
  MONGODB_URI: 'mongodb://127.0.0.1:27017/adhoc',
  REDIS_URL: 'redis://127.0.0.1:6379',
  TRIAGE_CHANNEL_ID: 'C0TRIAGE',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.slack.helpCommand).toBe('/help');
    expect(config.slack.intakeReaction).toBe('sos');
    expect(config.defaultTimezone).toBe('Europe/London');
    expect(config.logLevel).toBe('info');
    expect(config.slack.socketMode).toBe(false);
    expect(config.slack.apiUrl).toBeUndefined();
    expect(config.metrics).toBeUndefined();
    expect(config.slackRetry).toEqual({ firstMs: 1000, longestMs: 60_000 });
    expect(config.workerNice).toBe(19);
  });

  it('reads the retry back-off of Slack deliveries, the longest no shorter than the first', () => {
    expect(loadConfig({ ...valid, SLACK_RETRY_FIRST_MS: '100', SLACK_RETRY_LONGEST_MS: '6000' }).slackRetry).toEqual({ firstMs: 100, longestMs: 6000 });
    expect(problems({ ...valid, SLACK_RETRY_FIRST_MS: '5000', SLACK_RETRY_LONGEST_MS: '1000' })).toEqual(['SLACK_RETRY_LONGEST_MS must be at least SLACK_RETRY_FIRST_MS']);
    expect(problems({ ...valid, SLACK_RETRY_LONGEST_MS: '500' })).toEqual(['SLACK_RETRY_LONGEST_MS must be at least SLACK_RETRY_FIRST_MS']);
  });

  it('serves /metrics only when METRICS_PORT is set, on 127.0.0.1 unless METRICS_HOST says otherwise', () => {
    expect(loadConfig({ ...valid, METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ ...valid, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(loadConfig({ ...valid, METRICS_PORT: '' }).metrics).toBeUndefined();
  });

  it('reads every public variable', () => {
    const config = loadConfig({
      ...valid,
      PORT: '8080',
      SLACK_API_URL: 'https://slack-gov.com/api/',
      HELP_COMMAND: '/support',
      DEFAULT_TIMEZONE: 'America/New_York',
      LOG_LEVEL: 'debug',
      MANAGER_CHANNEL_ID: 'C0MGRS',
      WORKER_NICE: '0',
    });
    expect(config).toMatchObject({
      port: 8080,
      defaultTimezone: 'America/New_York',
      logLevel: 'debug',
      workerNice: 0,
      slack: { apiUrl: 'https://slack-gov.com/api/', helpCommand: '/support', managerChannelId: 'C0MGRS' },
    });
  });

  it('gives one line per missing variable', () => {
    expect(problems({})).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN is missing/),
      expect.stringMatching(/^SLACK_SIGNING_SECRET is missing/),
      'MONGODB_URI is missing',
      'REDIS_URL is missing',
      'TRIAGE_CHANNEL_ID is missing',
    ]);
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number/],
    ['PORT', '70000', /PORT/],
    ['SLACK_API_URL', 'ftp://example.com', /SLACK_API_URL must be an http\(s\) URL/],
    ['MONGODB_URI', 'postgres://x', /MONGODB_URI must be a mongodb/],
    ['REDIS_URL', 'http://x', /REDIS_URL must be a redis/],
    ['TRIAGE_CHANNEL_ID', 'general', /TRIAGE_CHANNEL_ID must be a Slack channel ID/],
    ['HELP_COMMAND', 'help', /HELP_COMMAND must be a slash command/],
    ['DEFAULT_TIMEZONE', 'Mars/Olympus', /DEFAULT_TIMEZONE must be an IANA timezone/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['METRICS_PORT', 'nine', /METRICS_PORT must be a whole number from 0 to 65535/],
    ['METRICS_PORT', '70000', /METRICS_PORT must be a whole number from 0 to 65535/],
    ['METRICS_HOST', 'example.com', /METRICS_HOST must be an IP address/],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /SLACK_BOT_TOKEN must be a bot token/],
    ['SLACK_RETRY_FIRST_MS', 'soon', /SLACK_RETRY_FIRST_MS must be a whole number of milliseconds/],
    ['SLACK_RETRY_LONGEST_MS', '1.5', /SLACK_RETRY_LONGEST_MS/],
    ['WORKER_NICE', '20', /WORKER_NICE must be a whole number from 0 to 19/],
    ['WORKER_NICE', '-5', /WORKER_NICE must be a whole number from 0 to 19/],
  ])('rejects %s=%s with a clear line', (name, value, message) => {
    const lines = problems({ ...valid, [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('needs an app token, not a signing secret, in Socket Mode', () => {
    const { SLACK_SIGNING_SECRET: _unused, ...rest } = valid;
    expect(problems({ ...rest, SLACK_SOCKET_MODE: 'true' })).toEqual([expect.stringMatching(/^SLACK_APP_TOKEN is missing/)]);
    const config = loadConfig({ ...rest, SLACK_SOCKET_MODE: 'true', SLACK_APP_TOKEN: 'xapp-1' });
    expect(config.slack.socketMode).toBe(true);
    expect(config.slack.appToken).toBe('xapp-1');
  });

  describe('distributed mode', () => {
    const hexKey = 'ab'.repeat(32);
    const distributed = {
      SLACK_SIGNING_SECRET: 'secret',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/adhoc',
      REDIS_URL: 'redis://127.0.0.1:6379',
      TRIAGE_CHANNEL_ID: 'C0TRIAGE',
      SLACK_CLIENT_ID: '123.456',
      SLACK_CLIENT_SECRET: 'client-secret',
      SLACK_STATE_SECRET: 'a-state-secret-of-some-length',
      INSTALLATION_ENCRYPTION_KEY: hexKey,
      SLACK_HOME_TEAM_ID: 'T0OURS',
    };

    it('is chosen by the three OAuth variables and needs no bot token', () => {
      const config = loadConfig(distributed);
      expect(config.slack.botToken).toBeUndefined();
      expect(config.slack.distribution).toMatchObject({ clientId: '123.456', clientSecret: 'client-secret', homeTeamId: 'T0OURS' });
      expect(config.slack.distribution?.encryptionKey.equals(Buffer.from(hexKey, 'hex'))).toBe(true);
    });

    it('accepts the key as base64 too, and a bot token for our own workspace', () => {
      const key = Buffer.alloc(32, 7);
      const config = loadConfig({ ...distributed, INSTALLATION_ENCRYPTION_KEY: key.toString('base64'), SLACK_BOT_TOKEN: 'xoxb-1-2' });
      expect(config.slack.distribution?.encryptionKey.equals(key)).toBe(true);
      expect(config.slack.botToken).toBe('xoxb-1-2');
    });

    it('is off in single-workspace mode', () => {
      expect(loadConfig(valid).slack.distribution).toBeUndefined();
    });

    it('refuses a missing encryption key and a missing home team with one line each', () => {
      const { INSTALLATION_ENCRYPTION_KEY: _key, SLACK_HOME_TEAM_ID: _team, ...rest } = distributed;
      expect(problems(rest)).toEqual([
        expect.stringMatching(/^INSTALLATION_ENCRYPTION_KEY is missing \(required in distributed mode: 32 bytes, written as 64 hex characters or as base64/),
        expect.stringMatching(/^SLACK_HOME_TEAM_ID is missing/),
      ]);
    });

    it.each([
      ['too short', 'ab'.repeat(16)],
      ['not hex nor base64', 'not a key at all!'],
      ['base64 of 16 bytes', Buffer.alloc(16, 1).toString('base64')],
    ])('refuses a malformed encryption key (%s) with a clear line', (_name, key) => {
      expect(problems({ ...distributed, INSTALLATION_ENCRYPTION_KEY: key })).toEqual([
        'INSTALLATION_ENCRYPTION_KEY must be 32 bytes, written as 64 hex characters or as base64 (e.g. `openssl rand -hex 32`)',
      ]);
    });

    it('names what is missing when only part of the OAuth set is given', () => {
      expect(problems({ ...valid, SLACK_CLIENT_ID: '123.456' })).toEqual([
        expect.stringMatching(/^SLACK_CLIENT_SECRET is missing \(distributed mode needs/),
        expect.stringMatching(/^SLACK_STATE_SECRET is missing \(distributed mode needs/),
      ]);
    });

    it('refuses a bad home team ID', () => {
      expect(problems({ ...distributed, SLACK_HOME_TEAM_ID: 'ours' })).toEqual([expect.stringMatching(/^SLACK_HOME_TEAM_ID must be a Slack team ID/)]);
    });
  });
});

describe('REDIS_URL', () => {
  it('passes a redis:// or rediss:// URL to ioredis as it is', () => {
    expect(loadConfig(valid).redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(loadConfig({ ...valid, REDIS_URL: 'rediss://:pw@cache.example.com:6380/2' }).redis).toEqual({ url: 'rediss://:pw@cache.example.com:6380/2' });
  });

  it.each([
    ['one sentinel, default port', 'redis+sentinel://sentinel.internal/mymaster', { sentinels: [{ host: 'sentinel.internal', port: 26379 }], name: 'mymaster', db: 0 }],
    [
      'three sentinels, a password, a database',
      'redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380,[::1]:26381/adhoc-master/3',
      {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '10.0.0.2', port: 26380 },
          { host: '::1', port: 26381 },
        ],
        name: 'adhoc-master',
        password: 's3cret',
        db: 3,
      },
    ],
    [
      'an ACL user, escaped characters and a password for the sentinels',
      'redis+sentinel://app:p%40ss%2Fw0rd@s1:26379,s2/mymaster/?sentinelPassword=a%3Db%3D',
      { sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'mymaster', username: 'app', password: 'p@ss/w0rd', sentinelPassword: 'a=b=', db: 0 },
    ],
  ])('reads a Sentinel URL into ioredis options: %s', (_name, url, expected) => {
    expect(loadConfig({ ...valid, REDIS_URL: url }).redis).toEqual(expected);
  });

  it.each([
    ['one node, default port', 'redis+cluster://cache-1.internal', { cluster: [{ host: 'cache-1.internal', port: 6379 }], tls: false }],
    [
      'three nodes, an ACL user and an escaped password',
      'redis+cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002/',
      { cluster: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }], username: 'app', password: 'p@ss', tls: false },
    ],
    ['TLS, a password only', 'rediss+cluster://:s3cret@cache.example.com:6380', { cluster: [{ host: 'cache.example.com', port: 6380 }], password: 's3cret', tls: true }],
  ])('reads a Cluster URL into ioredis options: %s', (_name, url, expected) => {
    expect(loadConfig({ ...valid, REDIS_URL: url, QUEUE_PREFIX: '{adhoc}' }).redis).toEqual(expected);
  });

  it('refuses a Cluster without a {hash tag} in QUEUE_PREFIX, saying why', () => {
    expect(problems({ ...valid, REDIS_URL: 'redis+cluster://c1:7000' })).toEqual([
      'QUEUE_PREFIX must have a {hash tag}, such as {adhoc}, when REDIS_URL is a Redis Cluster: BullMQ needs every key of a queue in one slot',
    ]);
  });

  it.each([
    ['http://x', /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL, redis\+sentinel:\/\/\[\[user\]:password@\]host:26379.*, or redis\+cluster:\/\//],
    ['redis+cluster://', /^REDIS_URL names no node \(redis\+cluster:\/\//],
    ['redis+cluster://c1:7000/0', /^REDIS_URL must have the form redis\+cluster:\/\/.*: a cluster has no database number or options/],
    ['redis+cluster://c1:7000?tls=yes', /^REDIS_URL must have the form redis\+cluster:\/\//],
    ['redis+cluster://c1:70000', /^REDIS_URL has a node port 70000 outside 1-65535/],
    ['redis+cluster://c1,,c2', /^REDIS_URL has a node address "" that is not host or host:port/],
    ['redis+sentinel:///mymaster', /^REDIS_URL names no sentinel \(redis\+sentinel:\/\//],
    ['redis+sentinel://s1:26379', /^REDIS_URL names no master: the sentinels' name for it comes after the hosts/],
    ['redis+sentinel://s1:26379/', /^REDIS_URL names no master/],
    ['redis+sentinel://s1:99999/mymaster', /^REDIS_URL has a sentinel port 99999 outside 1-65535/],
    ['redis+sentinel://s1:port/mymaster', /^REDIS_URL has a sentinel address "s1:port" that is not host or host:port/],
    ['redis+sentinel://s1,,s2/mymaster', /^REDIS_URL has a sentinel address "" that is not host or host:port/],
    ['redis+sentinel://s1/mymaster/zero', /^REDIS_URL has a database "zero" that is not a whole number/],
    ['redis+sentinel://s1/mymaster/0/extra', /^REDIS_URL must have the form redis\+sentinel:\/\//],
    ['redis+sentinel://s1/mymaster?role=replica', /^REDIS_URL has an unknown option "role" \(the one option is sentinelPassword\)/],
    ['redis+sentinel://:%E0%A4%A@s1/mymaster', /^REDIS_URL has a badly escaped password/],
  ])('refuses %s with one clear line', (url, message) => {
    const lines = problems({ ...valid, REDIS_URL: url });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

describe('QUEUE_PREFIX', () => {
  it('is adhoc unless set, and may carry one Redis Cluster {hash tag}', () => {
    expect(loadConfig(valid).queuePrefix).toBe('adhoc');
    expect(loadConfig({ ...valid, QUEUE_PREFIX: '{adhoc}' }).queuePrefix).toBe('{adhoc}');
    expect(loadConfig({ ...valid, QUEUE_PREFIX: 'prod-{adhoc}' }).queuePrefix).toBe('prod-{adhoc}');
  });

  it.each(['adhoc:prod', '{}', '{a}{b}', 'ad{hoc', 'a b', '{' + 'x'.repeat(41) + '}'])('refuses %s with one clear line', (prefix) => {
    const lines = problems({ ...valid, QUEUE_PREFIX: prefix });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^QUEUE_PREFIX must/);
  });
});
