// Join the clips into final.mp4 with its contact sheet, continuity report and final manifest.
import { loadConfig } from '../adapters/config';
import { joinFilm } from '../workflow/join-film';
import { count, seconds } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { joinFilmEvent } from './events';
import { runCost } from './run-cost';

export const handler = lambdaHandler(
  { name: 'join-film', schema: joinFilmEvent, keys: ({ runId }) => ({ runId, step: 'join-film' }) },
  async (event) => joinFilm(loadConfig(), event),
  {
    metrics: async ({ event, error, seconds: took }) =>
      error === undefined ? [count('RunsSucceeded'), seconds('JoinSeconds', took), ...(await runCost(event.runId))] : [],
  },
);
