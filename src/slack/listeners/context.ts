// What every listener gets: the configuration and the token module.
import type { Config } from '../../config';
import type { SlackTokens } from '../tokens';

export interface ListenerContext {
  config: Config;
  tokens: SlackTokens;
}
