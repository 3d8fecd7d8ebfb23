// Structured logs (JSON on Lambda). Never log task tokens, signatures or credentials: log ids.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'longshot' });
